import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readPolicyFile } from '../../infra/lib/policy-file.js';
import { tableDefinition } from '../../src/adapters/aws/dynamodb/schema.js';
import { WORKER_METRICS } from '../../src/adapters/system/worker-metrics.js';
import { ConfigError } from '../../src/config.js';
import { writeConfig } from '../support/bot-process.js';
import { testConfig } from '../support/stack.js';
import {
  ACCOUNT,
  apartFromReconcile,
  environmentOf,
  functionId,
  grants,
  list,
  policyStatements,
  render,
  type Synthesized,
  statementsOf,
  synthesize,
} from './synth.js';

const DISTRIBUTIONS = ['EWEB000000001', 'EDOCS00000001', 'ELOCK00000001'];
const arn = (id: string) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`;
// Slack values in the environment of whoever synthesizes: none may reach the template or the bundles.
const FAKE_TOKEN = 'xoxb-FAKE-TOKEN-4f1c2e7d9a-must-not-leak';
const FAKE_SIGNING_SECRET = 'fake-signing-secret-8b3e6a1f0c-must-not-leak';

describe('the CDK stack', () => {
  let synth: Synthesized;
  let slack: string;
  let worker: string;

  beforeAll(async () => {
    vi.stubEnv('SLACK_BOT_TOKEN', FAKE_TOKEN);
    vi.stubEnv('SLACK_SIGNING_SECRET', FAKE_SIGNING_SECRET);
    synth = await synthesize(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } }));
    slack = functionId(synth, 'Slack');
    worker = functionId(synth, 'Worker');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('grants CloudFront only on the configured distributions: the worker submits and polls, Slack only reads', () => {
    const { reconcile, rest } = apartFromReconcile(statementsOf(synth, worker));
    // Reconciliation reads every distribution of the account, and lists them (no resource-level permission).
    expect(grants(reconcile, 'cloudfront')).toEqual({
      actions: ['cloudfront:GetInvalidation', 'cloudfront:ListDistributions', 'cloudfront:ListInvalidations'],
      resources: ['*', arn('*')].sort(),
    });
    expect(grants(rest, 'cloudfront')).toEqual({
      actions: [
        'cloudfront:CreateInvalidation',
        'cloudfront:GetInvalidation',
        'cloudfront:ListInvalidations',
      ],
      resources: DISTRIBUTIONS.map(arn).sort(),
    });
    // Slack reads invalidations and (for cache tags) configurations of these, and lists the account (pasted URLs).
    expect(grants(statementsOf(synth, slack), 'cloudfront')).toEqual({
      actions: [
        'cloudfront:GetDistributionConfig',
        'cloudfront:GetInvalidation',
        'cloudfront:ListDistributions',
      ],
      resources: ['*', ...DISTRIBUTIONS.map(arn).sort()].sort(),
    });
  });

  it('has no wildcard action, no `*` resource but for ListDistributions, and no managed policy anywhere', () => {
    const statements = Object.values(synth.json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(policyStatements);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of list(statement.Action)) expect(String(action)).not.toContain('*');
      // ListDistributions has no resource-level permission: its statement is the one `*` there may be.
      if (list(render(statement.Resource)).includes('*'))
        expect(list(statement.Action)).toEqual(['cloudfront:ListDistributions']);
    }
    for (const resource of Object.values(synth.json.Resources)) {
      if (resource.Type === 'AWS::IAM::Role') expect(resource.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('scopes DynamoDB, the secret, the logs and the worker invoke to this stack’s resources', () => {
    for (const fn of [slack, worker]) {
      const statements = statementsOf(synth, fn);
      expect(grants(statements, 'dynamodb').resources).toEqual(['Table.Arn', 'Table.Arn/index/*']);
      const secret = grants(statements, 'secretsmanager');
      expect(secret.actions).toEqual(['secretsmanager:GetSecretValue']);
      expect(secret.resources).toHaveLength(1);
      expect(secret.resources[0]).toMatch(/^ref:SlackSecret/);
      const logs = grants(statements, 'logs');
      expect(logs.actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(logs.resources).toEqual([`${logGroupOf(fn)}.Arn`]);
    }
    expect(grants(statementsOf(synth, slack), 'lambda')).toEqual({
      actions: ['lambda:InvokeFunction'],
      resources: [`${worker}.Arn`],
    });
    expect(grants(statementsOf(synth, worker), 'lambda').actions).toEqual([]);
  });

  it('keeps the table: exactly the code’s keys and indexes, on demand, PITR, deletion protection, RETAIN', () => {
    const definition = tableDefinition('unused');
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: definition.KeySchema,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('references the secret by ARN and never holds a Slack value, in the template or the bundles', () => {
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      // Pinned: any change to the generator makes CloudFormation overwrite the values the operator put in.
      GenerateSecretString: {
        GenerateStringKey: 'signingSecret',
        SecretStringTemplate: '{"botToken":"REPLACE_ME"}',
        ExcludePunctuation: true,
      },
      SecretString: Match.absent(),
    });
    for (const fn of [slack, worker]) {
      const variables = environmentOf(synth, fn);
      expect(render(variables.SLACK_SECRET_ARN)).toMatch(/^ref:SlackSecret/);
      expect(Object.keys(variables)).not.toContain('SLACK_BOT_TOKEN');
      expect(Object.keys(variables)).not.toContain('SLACK_SIGNING_SECRET');
      const bundle = Object.values(synth.assetFiles(fn)).join('\n');
      expect(bundle).not.toContain(FAKE_TOKEN);
      expect(bundle).not.toContain(FAKE_SIGNING_SECRET);
    }
    const text = JSON.stringify(synth.json);
    expect(text).not.toContain(FAKE_TOKEN);
    expect(text).not.toContain(FAKE_SIGNING_SECRET);
  });

  it('runs each handler from its own bundle, on Node.js 22 / arm64, with the policy file next to it', () => {
    for (const [fn, marker] of [
      [slack, 'WORKER_FUNCTION_NAME'],
      [worker, 'getRemainingTimeInMillis'],
    ] as const) {
      expect(synth.json.Resources[fn]?.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(environmentOf(synth, fn).INVALIDATOR_CONFIG).toBe('/var/task/invalidator.config.yml');
      const files = synth.assetFiles(fn);
      expect(Object.keys(files).sort()).toEqual(['index.mjs', 'invalidator.config.yml']);
      expect(files['index.mjs']).toContain(marker);
      expect(files['invalidator.config.yml']).toContain(DISTRIBUTIONS[0]);
    }
    expect(synth.assetFiles(worker)['index.mjs']).not.toContain('WORKER_FUNCTION_NAME');
  });

  it('puts the Slack handler behind a Function URL without AWS auth and outputs Slack’s request URL', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    expect(render(synth.json.Outputs.SlackRequestUrl?.Value)).toMatch(/\.FunctionUrlslack\/events$/);
  });

  it('runs the worker every minute, without retries of its asynchronous invokes', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [worker, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    synth.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('keeps logs for a month and alarms on errors and on stuck work, into one topic', () => {
    synth.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
    for (const fn of [slack, worker]) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    for (const [metric, threshold] of [
      [WORKER_METRICS.oldestDueAge, 600],
      [WORKER_METRICS.oldestInFlightAge, 3600],
    ] as const) {
      // The worker's own EMF metrics (test/infra/edge.test.ts checks the lines), not log-line filters.
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Invalidator',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'Test' }],
        Threshold: threshold,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      });
    }
    synth.template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    synth.template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });

  it('fails synth on a policy file the bot would refuse', async () => {
    const path = `${writeConfig({ distributions: { web: { id: 'not-an-id' } } })}/invalidator.config.yml`;
    const outcome = readPolicyFile({ INVALIDATOR_CONFIG: path }, { allowExample: false, warn: () => {} });
    await expect(outcome).rejects.toBeInstanceOf(ConfigError);
    await expect(outcome).rejects.toThrow(/must be a CloudFront distribution id/);
  });

  function logGroupOf(fn: string): string {
    const config = synth.json.Resources[fn]?.Properties?.LoggingConfig as { LogGroup: { Ref: string } };
    return config.LogGroup.Ref;
  }
});
