import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';
import { DUE_WORK_METRICS } from '../../src/usecases/run-due-work.js';
import { testConfig } from '../support/stack.js';
import { type Synthesized, synthesize } from './synth.js';

describe('the alarm on submissions that could not be recorded', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } }), {
      bundle: false,
    });
  });

  it('alarms on the first count of the worker metric of unrecorded submissions, into the topic', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Invalidator',
      MetricName: SUBMISSION_METRICS.unrecorded,
      Dimensions: [{ Name: 'service', Value: 'Test' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });

  it('alarms on the first due item set aside as unreadable, into the topic', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Invalidator',
      MetricName: DUE_WORK_METRICS.unreadable,
      Dimensions: [{ Name: 'service', Value: 'Test' }],
      Statistic: 'Sum',
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });
});
