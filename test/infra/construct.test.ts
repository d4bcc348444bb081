import { join } from 'node:path';
import {
  aws_dynamodb as dynamodb,
  aws_kms as kms,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  aws_sns as sns,
} from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Invalidator } from '../../infra/index.js';
import { ConfigError } from '../../src/config.js';
import { writeConfig } from '../support/bot-process.js';
import { DISTRIBUTIONS, testConfig } from '../support/stack.js';
import {
  ACCOUNT,
  apartFromReconcile,
  environmentOf,
  functionId,
  grants,
  type Synthesized,
  statementsOf,
  synthesize,
  synthesizeStack,
} from './synth.js';

const REGION = 'eu-west-1';
const TABLE = 'platform-invalidator';
const policyFile = () =>
  join(
    writeConfig(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } })),
    'invalidator.config.yml',
  );

/**
 * The resources of the project's stack as they were before it was built from the construct, by logical id.
 * A deployed stack updates in place only while these stay: a new logical id for the table would make
 * CloudFormation create an empty table and leave the old one behind.
 */
const DEPLOYED_RESOURCES = {
  Table: 'AWS::DynamoDB::Table',
  SlackSecretEA96F13F: 'AWS::SecretsManager::Secret',
  WorkerLogsC1193B08: 'AWS::Logs::LogGroup',
  WorkerRole8DD27D41: 'AWS::IAM::Role',
  WorkerRoleDefaultPolicy1750E153: 'AWS::IAM::Policy',
  Worker11F36D0F: 'AWS::Lambda::Function',
  WorkerEventInvokeConfig3C332003: 'AWS::Lambda::EventInvokeConfig',
  WorkerSchedule63E84F63: 'AWS::Events::Rule',
  WorkerScheduleAllowEventRuleTestWorker3E2E6684FC910F76: 'AWS::Lambda::Permission',
  SlackLogsCBCFC72B: 'AWS::Logs::LogGroup',
  SlackRoleCD155F24: 'AWS::IAM::Role',
  SlackRoleDefaultPolicyE04F1815: 'AWS::IAM::Policy',
  Slack738A1058: 'AWS::Lambda::Function',
  SlackFunctionUrl480D299F: 'AWS::Lambda::Url',
  Slackinvokefunctionurl277FB263: 'AWS::Lambda::Permission',
  Slackinvokefunction5EE2101C: 'AWS::Lambda::Permission',
  AlarmsTopic3A2DFEBA: 'AWS::SNS::Topic',
  AlarmsWorkerErrorsD5C3741C: 'AWS::CloudWatch::Alarm',
  AlarmsSlackHandlerErrors8DE269BA: 'AWS::CloudWatch::Alarm',
  AlarmsWorkBacklogA9771741: 'AWS::CloudWatch::Alarm',
  AlarmsInvalidationStuckA77C7857: 'AWS::CloudWatch::Alarm',
  // The alarms read the bot's EMF metrics: the log metric filters they once needed are gone.
  AlarmsUnrecordedSubmissionC35AE6CE: 'AWS::CloudWatch::Alarm',
};

describe('the project’s stack, built from the Invalidator construct', () => {
  it('keeps every resource, output and logical id it had, so a deployed stack updates in place', async () => {
    const synth = await synthesize(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } }), {
      bundle: false,
    });
    const types = Object.fromEntries(
      Object.entries(synth.json.Resources).map(([logicalId, resource]) => [logicalId, resource.Type]),
    );
    // Every resource a deployed stack has keeps its logical id and type; resources added since are new.
    expect(types).toMatchObject(DEPLOYED_RESOURCES);
    expect(Object.keys(synth.json.Outputs).sort()).toEqual(
      ['AlarmTopicArn', 'SlackRequestUrl', 'SlackSecretArn', 'TableName'].sort(),
    );
    expect(synth.json.Outputs.TableName?.Value).toEqual({ Ref: 'Table' });
  });
});

describe('the Invalidator construct in another CDK app', () => {
  let synth: Synthesized;
  let slack: string;
  let worker: string;

  beforeAll(() => {
    const path = policyFile();
    synth = synthesizeStack(
      (app) => {
        const stack = new Stack(app, 'Platform', { env: { account: ACCOUNT, region: REGION } });
        const pager = new sns.Topic(stack, 'Pager');
        new Invalidator(stack, 'Invalidator', {
          policyFile: path,
          table: dynamodb.Table.fromTableName(stack, 'Shared', TABLE),
          reservedConcurrency: { slack: 20, worker: 2 },
          alarmTopic: pager,
          logRetention: logs.RetentionDays.THREE_MONTHS,
        });
        return stack;
      },
      { bundle: false },
    );
    slack = functionId(synth, 'InvalidatorSlack');
    worker = functionId(synth, 'InvalidatorWorker');
  });

  it('uses the given table: creates none, and grants the item actions on it and its indexes only', () => {
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
    for (const fn of [slack, worker]) {
      expect(environmentOf(synth, fn).TABLE_NAME).toBe(TABLE);
      expect(grants(statementsOf(synth, fn), 'dynamodb').resources).toEqual([
        tableArn,
        `${tableArn}/index/*`,
      ]);
    }
  });

  it('scopes CloudFront to the policy file’s distributions, as in the project’s stack', () => {
    const arns = Object.values(DISTRIBUTIONS)
      .map((id) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`)
      .sort();
    const { reconcile, rest } = apartFromReconcile(statementsOf(synth, worker));
    // Reconciliation reads every distribution of the account, and lists them (no resource-level permission).
    expect(grants(reconcile, 'cloudfront')).toEqual({
      actions: ['cloudfront:GetInvalidation', 'cloudfront:ListDistributions', 'cloudfront:ListInvalidations'],
      resources: ['*', `arn:aws:cloudfront::${ACCOUNT}:distribution/*`].sort(),
    });
    expect(grants(rest, 'cloudfront')).toEqual({
      actions: [
        'cloudfront:CreateInvalidation',
        'cloudfront:GetInvalidation',
        'cloudfront:ListInvalidations',
      ],
      resources: arns,
    });
    // Slack reads invalidations and (for cache tags) configurations of these, and lists the account (pasted URLs).
    expect(grants(statementsOf(synth, slack), 'cloudfront')).toEqual({
      actions: [
        'cloudfront:GetDistributionConfig',
        'cloudfront:GetInvalidation',
        'cloudfront:ListDistributions',
      ],
      resources: ['*', ...arns].sort(),
    });
  });

  it('reserves the concurrency asked for each function', () => {
    expect(synth.json.Resources[slack]?.Properties?.ReservedConcurrentExecutions).toBe(20);
    expect(synth.json.Resources[worker]?.Properties?.ReservedConcurrentExecutions).toBe(2);
  });

  it('sends every alarm to the given topic, and creates no topic of its own', () => {
    synth.template.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
    }
  });

  it('keeps the logs as long as asked', () => {
    synth.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 2);
  });
});

describe('the Invalidator construct’s own table', () => {
  it('follows the table props given', () => {
    const path = policyFile();
    const synth = synthesizeStack(
      (app) => {
        const stack = new Stack(app, 'Scratch');
        new Invalidator(stack, 'Invalidator', {
          policyFile: path,
          tableProps: {
            tableName: 'scratch-invalidator',
            removalPolicy: RemovalPolicy.DESTROY,
            deletionProtection: false,
          },
        });
        return stack;
      },
      { bundle: false },
    );
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        TableName: 'scratch-invalidator',
        DeletionProtectionEnabled: false,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    });
  });

  it('lets the functions use the key of a table encrypted with a key of one’s own', () => {
    const path = policyFile();
    const synth = synthesizeStack(
      (app) => {
        const stack = new Stack(app, 'Encrypted');
        const encryptionKey = new kms.Key(stack, 'TableKey');
        new Invalidator(stack, 'Invalidator', {
          policyFile: path,
          table: dynamodb.Table.fromTableAttributes(stack, 'Shared', { tableName: TABLE, encryptionKey }),
        });
        return stack;
      },
      { bundle: false },
    );
    for (const name of ['InvalidatorSlack', 'InvalidatorWorker']) {
      const kmsGrant = grants(statementsOf(synth, functionId(synth, name)), 'kms');
      expect(kmsGrant.actions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt']));
      expect(kmsGrant.resources).toEqual([expect.stringMatching(/^TableKey.*\.Arn$/)]);
    }
  });

  it('refuses a table and table props together, and a policy file the bot would refuse', () => {
    const stack = new Stack();
    const table = dynamodb.Table.fromTableName(stack, 'Shared', TABLE);
    expect(
      () =>
        new Invalidator(stack, 'Both', { policyFile: policyFile(), table, tableProps: { tableName: 'x' } }),
    ).toThrow(/either `table` or `tableProps`/);
    const bad = join(writeConfig({ distributions: { web: { id: 'not-an-id' } } }), 'invalidator.config.yml');
    expect(() => new Invalidator(stack, 'Bad', { policyFile: bad })).toThrow(ConfigError);
    expect(() => new Invalidator(stack, 'Bad2', { policyFile: bad })).toThrow(
      /must be a CloudFront distribution id/,
    );
  });
});
