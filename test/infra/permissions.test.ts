import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/bundle.js';
import {
  ACCOUNT_CLOUDFRONT_ACTIONS,
  DYNAMODB_ACTIONS,
  SLACK_CLOUDFRONT_ACTIONS,
  WORKER_CLOUDFRONT_ACTIONS,
  WORKER_TENANT_ACTIONS,
} from '../../infra/lib/permissions.js';
import { testConfig } from '../support/stack.js';
import { functionId, grants, type Synthesized, statementsOf, synthesize } from './synth.js';

/** The stores over the table, each in its own file; all of them send their commands through table.ts. */
const STORES = join(REPO_ROOT, 'src/adapters/aws/dynamodb');
/** Files there that the functions never run: table creation and the embedded store are for local endpoints. */
const LOCAL_ONLY = new Set(['ensure-table.ts', 'embedded-dynamodb.ts']);
const CDN = join(REPO_ROOT, 'src/adapters/aws/cloudfront.ts');

/** lib-dynamodb's document commands and the API action each sends; the client's own commands are named alike. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/**
 * The IAM actions the stores send, read from their source: every `new XxxCommand(` in the files of STORES
 * but those of LOCAL_ONLY.
 */
function actionsInCode(): string[] {
  const files = readdirSync(STORES).filter((name) => name.endsWith('.ts') && !LOCAL_ONLY.has(name));
  expect(files).toContain('table.ts');
  const commands = files.flatMap((name) => {
    const source = readFileSync(join(STORES, name), 'utf8');
    return [...source.matchAll(/new (\w+)Command\(/g)].map((match) => match[1] ?? '');
  });
  return [...new Set(commands.map((name) => `dynamodb:${DOCUMENT_COMMANDS[name] ?? name}`))].sort();
}

describe('DynamoDB permissions follow the code', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthesize(testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } }), {
      bundle: false,
    });
  });

  it('grants each function exactly the actions the request store sends', () => {
    const inCode = actionsInCode();
    // A sanity check of the reading itself: the store surely reads, writes conditionally and queries.
    expect(inCode).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query']),
    );
    expect([...DYNAMODB_ACTIONS].sort()).toEqual(inCode);
    for (const fn of [functionId(synth, 'Slack'), functionId(synth, 'Worker')]) {
      expect(grants(statementsOf(synth, fn), 'dynamodb').actions).toEqual(inCode);
    }
  });

  it('never grants table management or scans', () => {
    for (const action of ['CreateTable', 'DeleteTable', 'UpdateTable', 'Scan', 'DeleteItem']) {
      expect(DYNAMODB_ACTIONS).not.toContain(`dynamodb:${action}`);
    }
  });
});

describe('CloudFront permissions follow the code', () => {
  it('grants the two functions together exactly the operations the CloudFront adapter sends', async () => {
    const source = readFileSync(CDN, 'utf8');
    const inCode = [
      ...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `cloudfront:${m[1]}`)),
    ].sort();
    expect(inCode.length).toBeGreaterThan(0);
    const granted = [
      ...WORKER_CLOUDFRONT_ACTIONS,
      ...WORKER_TENANT_ACTIONS,
      ...ACCOUNT_CLOUDFRONT_ACTIONS,
      ...SLACK_CLOUDFRONT_ACTIONS,
    ];
    expect([...new Set(granted)].sort()).toEqual(inCode);
    // With a tenant in the file, the tenant calls are granted too (on the tenant's ARN).
    const base = testConfig({ polling: { firstCheckSeconds: 1, maxIntervalSeconds: 5 } });
    const distributions = {
      ...(base.distributions as Record<string, unknown>),
      shop: { id: 'ESHOP00000001', tenant: 'dt_2abcDEF3ghi', approval: 'never' },
    };
    const synth = await synthesize({ ...base, distributions }, { bundle: false });
    const actionsOf = (name: string) =>
      grants(statementsOf(synth, functionId(synth, name)), 'cloudfront').actions;
    expect([...new Set([...actionsOf('Worker'), ...actionsOf('Slack')])].sort()).toEqual(inCode);
    // Only the worker submits.
    expect(actionsOf('Slack')).not.toContain('cloudfront:CreateInvalidation');
  });
});
