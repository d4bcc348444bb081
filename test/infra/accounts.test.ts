import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { aws_dynamodb as dynamodb, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Invalidator } from '../../infra/index.js';
import { REPO_ROOT } from '../../infra/lib/bundle.js';
import { writeConfig } from '../support/bot-process.js';
import { ACCOUNT, apartFromReconcile, functionId, grants, statementsOf, synthesizeStack } from './synth.js';

const REGION = 'eu-west-1';
const WEB = 'EWEB000000001';
const BLUE = 'EBLUE00000001';
const BLUE_API = 'EBLUEAPI00001';
const GREEN = 'EGREEN0000001';
const BLUE_ROLE = 'arn:aws:iam::222222222222:role/invalidator';
const GREEN_ROLE = 'arn:aws:iam::333333333333:role/cdn/invalidator';

/** web at home; blue and blue-api through one role in 2222…; green through a role in 3333… with an external id. */
function accountsPolicyFile(extra: Record<string, unknown> = {}): string {
  const distributions = {
    web: { id: WEB, approval: 'never' },
    blue: { id: BLUE, approval: 'never', roleArn: BLUE_ROLE },
    'blue-api': { id: BLUE_API, approval: 'never', roleArn: BLUE_ROLE },
    green: { id: GREEN, approval: 'never', roleArn: GREEN_ROLE, externalId: 'team-green-2026' },
  };
  return join(writeConfig({ distributions, ...extra }), 'invalidator.config.yml');
}

function synthesizeWith(policyFile: string) {
  return synthesizeStack(
    (app) => {
      const stack = new Stack(app, 'Platform', { env: { account: ACCOUNT, region: REGION } });
      new Invalidator(stack, 'Invalidator', {
        policyFile,
        table: dynamodb.Table.fromTableName(stack, 'Table', 'invalidator'),
      });
      return stack;
    },
    { bundle: false },
  );
}

function iamPolicy(args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'iam-policy', '--', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TABLE_NAME: '', AWS_REGION: '', INVALIDATOR_CONFIG: '' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the construct with distributions in other AWS accounts', () => {
  it('lets both functions assume exactly the configured roles, and touch only its own distributions itself', () => {
    const synth = synthesizeWith(accountsPolicyFile());
    for (const name of ['Slack', 'Worker']) {
      const statements = statementsOf(synth, functionId(synth, `Invalidator${name}`));
      expect(grants(statements, 'sts')).toEqual({
        actions: ['sts:AssumeRole'],
        resources: [BLUE_ROLE, GREEN_ROLE],
      });
      const own = grants(apartFromReconcile(statements).rest, 'cloudfront');
      expect(own.resources).toEqual([`arn:aws:cloudfront::${ACCOUNT}:distribution/${WEB}`]);
    }
  });

  it('grants no sts:AssumeRole when no distribution names a role', () => {
    const file = join(
      writeConfig({ distributions: { web: { id: WEB, approval: 'never' } } }),
      'invalidator.config.yml',
    );
    const synth = synthesizeWith(file);
    for (const name of ['Slack', 'Worker']) {
      const statements = statementsOf(synth, functionId(synth, `Invalidator${name}`));
      expect(grants(statements, 'sts')).toEqual({ actions: [], resources: [] });
    }
  });
});

describe('npm run iam-policy with roles in other accounts', () => {
  it('adds sts:AssumeRole on the roles to the server policy, and keeps CloudFront on its own distributions', () => {
    const run = iamPolicy([
      '--config',
      accountsPolicyFile(),
      '--account',
      ACCOUNT,
      '--region',
      REGION,
      '--table-name',
      't',
    ]);
    expect(run.status).toBe(0);
    const statements = JSON.parse(run.stdout).Statement as Array<{
      Sid: string;
      Action: string[];
      Resource: string[];
    }>;
    expect(statements.find((s) => s.Sid === 'AssumeDistributionRoles')).toEqual({
      Sid: 'AssumeDistributionRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: [BLUE_ROLE, GREEN_ROLE],
    });
    expect(statements.find((s) => s.Sid === 'CloudFrontInvalidations')?.Resource).toEqual([
      `arn:aws:cloudfront::${ACCOUNT}:distribution/${WEB}`,
    ]);
  });

  it('prints, with --target, the permissions and trust policy of each role to create in its account', () => {
    const botRole = `arn:aws:iam::${ACCOUNT}:role/invalidator-server`;
    const run = iamPolicy(['--target', '--config', accountsPolicyFile(), '--principal', botRole]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const targets = JSON.parse(run.stdout);
    const invalidations = [
      'cloudfront:CreateInvalidation',
      'cloudfront:GetDistributionConfig',
      'cloudfront:GetInvalidation',
      'cloudfront:ListInvalidations',
    ];
    expect(targets).toEqual([
      {
        account: '222222222222',
        roleArn: BLUE_ROLE,
        distributionIds: [BLUE, BLUE_API],
        permissionsPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudFrontInvalidations',
              Effect: 'Allow',
              Action: invalidations,
              Resource: [
                `arn:aws:cloudfront::222222222222:distribution/${BLUE}`,
                `arn:aws:cloudfront::222222222222:distribution/${BLUE_API}`,
              ],
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
              Resource: ['arn:aws:cloudfront::222222222222:distribution/*'],
            },
          ],
        },
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: botRole }, Action: 'sts:AssumeRole' }],
        },
      },
      expect.objectContaining({
        account: '333333333333',
        roleArn: GREEN_ROLE,
        distributionIds: [GREEN],
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: botRole },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': 'team-green-2026' } },
            },
          ],
        },
      }),
    ]);
  });

  it('leaves out listing and reading the account without reconciliation, and names a placeholder principal', () => {
    const file = accountsPolicyFile({ reconciliation: { enabled: false } });
    const run = iamPolicy(['--target', '--config', file]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('note: replace BOT_ROLE_ARN in the trust policies before use\n');
    const [blue] = JSON.parse(run.stdout);
    expect(blue.permissionsPolicy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'CloudFrontInvalidations',
    ]);
    expect(blue.trustPolicy.Statement[0].Principal).toEqual({ AWS: 'BOT_ROLE_ARN' });
  });
});
