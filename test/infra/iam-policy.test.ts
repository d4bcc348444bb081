import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { aws_dynamodb as dynamodb, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Invalidator } from '../../infra/index.js';
import { REPO_ROOT } from '../../infra/lib/bundle.js';
import { writeConfig } from '../support/bot-process.js';
import { ACCOUNT, apartFromReconcile, functionId, grants, statementsOf, synthesizeStack } from './synth.js';

const REGION = 'eu-west-1';
const TABLE = 'invalidator-prod';
const WEB = 'EWEB000000001';
const DOCS = 'EDOCS00000001';

/** `npm run iam-policy` as a person runs it, with neither TABLE_NAME nor AWS_REGION set unless given. */
function iamPolicy(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('npm', ['run', '--silent', 'iam-policy', '--', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TABLE_NAME: '', AWS_REGION: '', INVALIDATOR_CONFIG: '', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run iam-policy', () => {
  let policyFile: string;
  beforeAll(() => {
    policyFile = join(
      writeConfig({
        distributions: {
          web: { id: WEB, approval: 'wildcard', approvers: { users: ['U0LEAD0001'] } },
          docs: { id: DOCS, approval: 'never' },
        },
      }),
      'invalidator.config.yml',
    );
  });

  it('prints the policy a server needs: CloudFront on each distribution, the item actions on the table', () => {
    const run = iamPolicy([
      '--config',
      policyFile,
      '--table-name',
      TABLE,
      '--account',
      ACCOUNT,
      '--region',
      REGION,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
    expect(JSON.parse(run.stdout)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CloudFrontInvalidations',
          Effect: 'Allow',
          Action: [
            'cloudfront:CreateInvalidation',
            'cloudfront:GetDistributionConfig',
            'cloudfront:GetInvalidation',
            'cloudfront:ListInvalidations',
          ],
          Resource: [WEB, DOCS].map((id) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`),
        },
        {
          Sid: 'CloudFrontListDistributions',
          Effect: 'Allow',
          Action: ['cloudfront:ListDistributions'],
          Resource: ['*'],
        },
        {
          Sid: 'CloudFrontReconcile',
          Effect: 'Allow',
          Action: ['cloudfront:GetInvalidation', 'cloudfront:ListInvalidations'],
          Resource: [`arn:aws:cloudfront::${ACCOUNT}:distribution/*`],
        },
        {
          Sid: 'DynamoDbItems',
          Effect: 'Allow',
          Action: [
            'dynamodb:BatchGetItem',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          Resource: [table, `${table}/index/*`],
        },
      ],
    });
  });

  it('grants exactly what the construct grants its two functions together', () => {
    const printed = JSON.parse(
      iamPolicy(['--table-name', TABLE, '--account', ACCOUNT, '--region', REGION], {
        INVALIDATOR_CONFIG: policyFile,
      }).stdout,
    ) as { Statement: Array<{ Action: string[]; Effect: string; Resource: string[] }> };
    const synth = synthesizeStack(
      (app) => {
        const stack = new Stack(app, 'Platform', { env: { account: ACCOUNT, region: REGION } });
        new Invalidator(stack, 'Invalidator', {
          policyFile,
          table: dynamodb.Table.fromTableName(stack, 'Table', TABLE),
        });
        return stack;
      },
      { bundle: false },
    );
    const statements = ['Slack', 'Worker'].flatMap((name) =>
      statementsOf(synth, functionId(synth, `Invalidator${name}`)),
    );
    // Reconciliation's grants (on `*` and every distribution) apart from the rest, so each pairs up.
    const construct = apartFromReconcile(statements);
    const script = apartFromReconcile(printed.Statement);
    for (const part of ['reconcile', 'rest'] as const) {
      for (const service of ['cloudfront', 'dynamodb']) {
        expect(grants(script[part], service)).toEqual(grants(construct[part], service));
      }
    }
    expect(
      script.rest.filter((s) => [s.Action].flat().every((a) => a.startsWith('cloudfront:'))),
    ).toHaveLength(1);
    expect(script.reconcile).toHaveLength(2);
  });

  it('grants the tenant calls on each tenant named, and every distribution of an alias with ids, as the construct does', () => {
    const TENANT = 'dt_2abcDEF3ghi';
    const file = join(
      writeConfig({
        distributions: {
          web: { ids: [WEB, 'EWEB000000002'], approval: 'never' },
          shop: { id: DOCS, tenant: TENANT, approval: 'never' },
        },
      }),
      'invalidator.config.yml',
    );
    const run = iamPolicy([
      '--config',
      file,
      '--table-name',
      TABLE,
      '--account',
      ACCOUNT,
      '--region',
      REGION,
    ]);
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout) as {
      Statement: Array<{ Sid: string; Action: string[]; Effect: string; Resource: string[] }>;
    };
    expect(printed.Statement.find((s) => s.Sid === 'CloudFrontTenantInvalidations')).toEqual({
      Sid: 'CloudFrontTenantInvalidations',
      Effect: 'Allow',
      Action: [
        'cloudfront:CreateInvalidationForDistributionTenant',
        'cloudfront:GetInvalidationForDistributionTenant',
        'cloudfront:ListInvalidationsForDistributionTenant',
      ],
      Resource: [`arn:aws:cloudfront::${ACCOUNT}:distribution-tenant/${TENANT}`],
    });
    expect(printed.Statement.find((s) => s.Sid === 'CloudFrontInvalidations')?.Resource).toEqual(
      [WEB, 'EWEB000000002', DOCS].map((id) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`),
    );
    const synth = synthesizeStack(
      (app) => {
        const stack = new Stack(app, 'Platform', { env: { account: ACCOUNT, region: REGION } });
        new Invalidator(stack, 'Invalidator', {
          policyFile: file,
          table: dynamodb.Table.fromTableName(stack, 'Table', TABLE),
        });
        return stack;
      },
      { bundle: false },
    );
    const statements = ['Slack', 'Worker'].flatMap((name) =>
      statementsOf(synth, functionId(synth, `Invalidator${name}`)),
    );
    const construct = apartFromReconcile(statements).rest;
    expect(grants(apartFromReconcile(printed.Statement).rest, 'cloudfront')).toEqual(
      grants(construct, 'cloudfront'),
    );
  });

  it('takes the table and region from the environment, and leaves placeholders for what is unknown', () => {
    const fromEnv = iamPolicy(['--config', policyFile], { TABLE_NAME: TABLE, AWS_REGION: REGION });
    expect(fromEnv.status).toBe(0);
    expect(fromEnv.stdout).toContain(`arn:aws:dynamodb:${REGION}:ACCOUNT_ID:table/${TABLE}`);
    expect(fromEnv.stderr).toBe('note: replace ACCOUNT_ID in the policy before use\n');

    const bare = iamPolicy(['--config', policyFile]);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toContain('arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE_NAME/index/*');
    expect(bare.stdout).toContain(`arn:aws:cloudfront::ACCOUNT_ID:distribution/${WEB}`);
    expect(bare.stderr).toBe('note: replace ACCOUNT_ID, REGION, TABLE_NAME in the policy before use\n');
  });

  it('prints nothing but the problems for a policy file the bot would refuse, or an unknown option', () => {
    const bad = join(writeConfig({ distributions: { web: { id: 'not-an-id' } } }), 'invalidator.config.yml');
    const refused = iamPolicy(['--config', bad]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/must be a CloudFront distribution id/);

    const unknown = iamPolicy(['--config', policyFile, '--acount', ACCOUNT]);
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/Unknown option '--acount'[\s\S]*usage: npm run iam-policy/);
  });
});
