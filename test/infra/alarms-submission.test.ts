import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';
import { testConfig } from '../support/stack.js';
import { type Synthesized, synthesize } from './synth.js';

describe('the alarm on submissions that could not be recorded', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } }), {
      bundle: false,
    });
  });

  it('counts the worker log lines of an unrecorded submission and alarms on the first, into the topic', () => {
    synth.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: `{ $.message = "${SUBMISSION_METRICS.message}" }`,
      MetricTransformations: [
        Match.objectLike({
          MetricName: 'UnrecordedSubmissions',
          MetricValue: `$.${SUBMISSION_METRICS.unrecorded}`,
        }),
      ],
    });
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnrecordedSubmissions',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });
});
