import { join } from 'node:path';
import { Duration, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Invalidator } from '../../infra/index.js';
import { originQueueVisibility } from '../../infra/lib/invalidator.js';
import { writeConfig } from '../support/bot-process.js';
import { testConfig } from '../support/stack.js';
import {
  functionId,
  grants,
  list,
  policyStatements,
  render,
  type Synthesized,
  statementsOf,
  synthesize,
  synthesizeStack,
} from './synth.js';

const polling = { firstCheckSeconds: 1, maxIntervalSeconds: 5 };

/** The test policy file with three distributions served from two buckets, `my-site` and `my-assets`. */
function withOrigins(): Record<string, unknown> {
  const base = testConfig({ polling });
  const distributions = {
    ...(base.distributions as Record<string, unknown>),
    site: {
      id: 'ESITE00000001',
      approval: 'never',
      channels: ['C0DEPLOY01'],
      origin: { bucket: 'my-site' },
    },
    blog: {
      id: 'EBLOG00000001',
      approval: 'never',
      channels: ['C0DEPLOY01'],
      origin: { bucket: 'my-site', prefix: 'blog' },
    },
    assets: {
      id: 'EASSET0000001',
      approval: 'never',
      origin: { bucket: 'my-assets', channel: 'C0DEPLOY01' },
    },
  };
  return { ...base, distributions };
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function resourceId(synth: Synthesized, type: string, prefix: string): string {
  const ids = Object.keys(synth.json.Resources).filter(
    (key) => key.startsWith(prefix) && synth.json.Resources[key]?.Type === type,
  );
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
}

describe('the S3 events of origin buckets, queued for the worker', () => {
  let synth: Synthesized;
  let worker: string;
  let queue: string;
  let deadLetters: string;
  beforeAll(async () => {
    synth = await synthesize(withOrigins(), { bundle: false });
    worker = functionId(synth, 'Worker');
    queue = resourceId(synth, 'AWS::SQS::Queue', 'OriginEventsQueue');
    deadLetters = resourceId(synth, 'AWS::SQS::Queue', 'OriginEventsDeadLetters');
  });

  it('routes Object Created and Object Deleted of exactly the origin buckets into the queue', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: ['my-site', 'my-assets'] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } })],
    });
    // EventBridge may send to the queue for that rule only; the rule no longer invokes the worker.
    synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: {
                'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^OriginEvents'), 'Arn'] },
              },
            },
          }),
        ]),
      },
    });
    const permissions = Object.values(synth.json.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Permission',
    );
    expect(JSON.stringify(permissions)).not.toMatch(/OriginEvents/);
  });

  it('keeps events that fail five times in an encrypted dead-letter queue for 14 days', () => {
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters, 'Arn'] }, maxReceiveCount: 5 },
    });
    const dead = synth.json.Resources[deadLetters]?.Properties;
    expect(dead).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('hands the worker batches that report their failures, hidden six worker timeouts while tried', () => {
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionName: { Ref: worker },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
    });
    const timeout = Number(synth.json.Resources[worker]?.Properties?.Timeout);
    const visibility = Number(synth.json.Resources[queue]?.Properties?.VisibilityTimeout);
    expect(timeout).toBeGreaterThan(0);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    expect(originQueueVisibility(Duration.seconds(timeout)).toSeconds()).toBe(visibility);
  });

  it('lets the worker consume that queue and nothing else of SQS', () => {
    const sqs = grants(statementsOf(synth, worker), 'sqs');
    expect(sqs.resources).toEqual([`${queue}.Arn`]);
    expect(sqs.actions).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(grants(statementsOf(synth, functionId(synth, 'Slack')), 'sqs').actions).toEqual([]);
  });

  it('alarms, into the topic, while the dead-letter queue holds an event', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });

  it('makes no rule, queue, event source or queue alarm without an origin', async () => {
    const none = await synthesize(testConfig({ polling }), { bundle: false });
    const rules = Object.values(none.json.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((rule) => JSON.stringify(rule.Properties)).filter((p) => p.includes('aws.s3'))).toEqual(
      [],
    );
    none.template.resourceCountIs('AWS::SQS::Queue', 0);
    none.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(
      none.template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/SQS' } }),
    ).toEqual({});
  });
});

describe('EventBridge turned on for the origin buckets', () => {
  const policyFile = () => join(writeConfig(withOrigins()), 'invalidator.config.yml');

  /** A stack with the construct and a bucket of the same app, passed in or not. */
  function appWith(bucketName: string, options: { pass: boolean }) {
    const path = policyFile();
    let stack: Stack | undefined;
    const synth = synthesizeStack(
      (app) => {
        stack = new Stack(app, 'Site');
        const bucket = new s3.Bucket(stack, 'Site', { bucketName });
        new Invalidator(stack, 'Invalidator', {
          policyFile: path,
          ...(options.pass ? { originBuckets: [bucket] } : {}),
        });
        return stack;
      },
      { bundle: false },
    );
    if (!stack) throw new Error('no stack');
    return { synth, annotations: Annotations.fromStack(stack) };
  }

  it('turns EventBridge on for a bucket given, and names only the others at synth', () => {
    const { synth, annotations } = appWith('my-site', { pass: true });
    const bucket = resourceId(synth, 'AWS::S3::Bucket', 'Site');
    synth.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucket },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    // CDK's notifications handler may set that one bucket's notifications, and nothing else of S3.
    const s3Grants = Object.values(synth.json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((resource) => policyStatements(resource))
      .filter((statement) => list(statement.Action).some((action) => String(action).startsWith('s3:')));
    expect(s3Grants.map((statement) => [statement.Action, render(statement.Resource)])).toEqual([
      ['s3:PutBucketNotification', `${bucket}.Arn`],
    ]);
    annotations.hasInfo('/Site/Invalidator', Match.stringLikeRegexp('origin bucket my-assets'));
    annotations.hasNoInfo('/Site/Invalidator', Match.stringLikeRegexp('origin bucket my-site'));
  });

  it('names every origin bucket not given, with its one setting', () => {
    const { synth, annotations } = appWith('my-site', { pass: false });
    synth.template.resourceCountIs('Custom::S3BucketNotifications', 0);
    for (const name of ['my-site', 'my-assets']) {
      annotations.hasInfo(
        '/Site/Invalidator',
        Match.stringLikeRegexp(`origin bucket ${name}.*Properties, Amazon EventBridge, On`),
      );
    }
  });

  it('refuses a bucket the policy file does not name, naming the origins it does', () => {
    expect(() => appWith('other-site', { pass: true })).toThrow(
      /originBuckets has other-site, which no origin\.bucket of the policy file names \(my-site, my-assets\)/,
    );
  });
});
