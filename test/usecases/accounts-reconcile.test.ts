import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFrontAccounts } from '../../src/adapters/aws/cloudfront-accounts.js';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../src/adapters/aws/dynamodb/stores.js';
import { usageMessage } from '../../src/adapters/slack/report-blocks.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { parseConfig } from '../../src/config.js';
import { billingMonth } from '../../src/core/cost.js';
import { accountPathsScope, monthPathsScope } from '../../src/core/reservations.js';
import { type StsStandIn, startStsStandIn } from '../../src/standins/sts-standin.js';
import {
  type ReconcileServices,
  reconcileTask,
  scheduleReconciliation,
} from '../../src/usecases/reconcile.js';
import { usageReport } from '../../src/usecases/reports.js';
import { type CloudFrontStandIn, startCloudFrontStandIn } from '../support/cloudfront-standin.js';
import { useDynalite } from '../support/dynalite.js';

const HOME_ACCOUNT_ID = '111111111111';
const BLUE_ACCOUNT_ID = '222222222222';
const BLUE_ROLE = `arn:aws:iam::${BLUE_ACCOUNT_ID}:role/invalidator`;
const WEB = 'EWEB000000001';
const BLUE = 'EBLUE00000001';
/** in the blue account, not in the config: only the listing through blue's role finds it */
const BLUE_SHOP = 'EBLUESHOP0001';

const client = useDynalite();
let sts: StsStandIn;
let cloudfront: CloudFrontStandIn;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  sts = await startStsStandIn({ roles: [{ arn: BLUE_ROLE }] });
  cloudfront = await startCloudFrontStandIn({
    completeAfterMs: 0,
    distributions: [WEB],
    accounts: {
      home: HOME_ACCOUNT_ID,
      ofDistribution: { [BLUE]: BLUE_ACCOUNT_ID, [BLUE_SHOP]: BLUE_ACCOUNT_ID },
      ofKey: sts.accountOfKey,
    },
  });
  cloudfront.addDistribution({ id: BLUE });
  cloudfront.addDistribution({ id: BLUE_SHOP });
  const env = {
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ACCESS_KEY_ID: 'AKIDHOME',
    AWS_SECRET_ACCESS_KEY: 'home-secret',
    AWS_MAX_ATTEMPTS: '1',
  };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all([sts.close(), cloudfront.close()]);
});

async function setUp(): Promise<ReconcileServices> {
  const tableName = `accounts-reconcile-${randomBytes(4).toString('hex')}`;
  await ensureTable(client(), tableName);
  const stores = openStores(client(), tableName);
  const config = parseConfig(
    { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' },
    {
      path: 'invalidator.config.yml',
      content: {
        distributions: {
          web: { id: WEB, approval: 'never' },
          blue: { id: BLUE, approval: 'never', roleArn: BLUE_ROLE },
        },
        cost: { freePathsPerMonth: 2, pricePerPathUsd: 1 },
      },
    },
  );
  // As the composition root wires it (src/compose/services.ts).
  const cdn = cloudFrontAccounts({
    policy: config.policy,
    region: 'us-east-1',
    requestTimeoutMs: 5000,
    listedAccount: async (id) => {
      const listing = await stores.reconcileState.listing();
      return listing?.coverage === 'account'
        ? listing.distributions.find((d) => d.id === id)?.account
        : undefined;
    },
  });
  return {
    ...stores,
    cdn,
    clock: { now: () => new Date().toISOString() },
    logger: createLogger({ level: 'error', secrets: [] }),
    workerId: 'worker-1',
    policy: config.policy,
    operations: config.operations,
  };
}

async function runDue(services: ReconcileServices): Promise<void> {
  for (let round = 0; round < 20; round += 1) {
    const now = services.clock.now();
    const due = (await services.work.due(now, 50)).flatMap((work) =>
      work.kind === 'task' && work.task.kind === 'reconcile' ? [work] : [],
    );
    if (due.length === 0) return;
    for (const { task, dueAt } of due) {
      const until = new Date(Date.parse(now) + 30_000).toISOString();
      if (await services.work.claimTask(task, services.workerId, now, until))
        await reconcileTask(services, task.distributionId, dueAt);
    }
  }
}

describe('reconciliation in several AWS accounts', () => {
  it('lists each account through its own keys and counts what was made outside the bot in that account', async () => {
    const services = await setUp();
    cloudfront.addExternal(WEB, ['/home/a.html'], 'console-home');
    cloudfront.addExternal(BLUE, ['/blue/*', '/blue/index.html'], 'ci-blue');
    cloudfront.addExternal(BLUE_SHOP, ['/shop/a.css', '/shop/b.css', '/shop/c.css'], 'console-shop');
    await scheduleReconciliation(services);
    await runDue(services);

    const month = billingMonth(services.clock.now());
    expect(await services.counters.figures(monthPathsScope(month))).toMatchObject({ amount: 6 });
    expect(await services.counters.figures(accountPathsScope(BLUE_ACCOUNT_ID, month))).toMatchObject({
      amount: 5,
    });
    // Every call on a blue distribution, the unconfigured one too, went with blue's keys (the stand-in
    // refuses another account's keys, so a wrong one would have counted nothing).
    const blueCalls = cloudfront.calls.filter(
      (c) => c.distributionId === BLUE || c.distributionId === BLUE_SHOP,
    );
    expect(blueCalls.length).toBeGreaterThan(0);
    expect(blueCalls.every((c) => c.status === 200 && sts.accountOfKey(c.signedBy) === BLUE_ACCOUNT_ID)).toBe(
      true,
    );

    const report = await usageReport(services, () => 'full');
    expect(report.byAccount).toEqual([
      { account: 'home', paths: 1, costUsd: 0, freeRemaining: 1, projectedUsd: expect.any(Number) },
      { account: BLUE_ACCOUNT_ID, paths: 5, costUsd: 3, freeRemaining: 0, projectedUsd: expect.any(Number) },
    ]);
    expect(report.costUsd).toBe(3);
  });

  it('lists the accounts that allow it when one refuses ListDistributions, and says which in usage', async () => {
    const services = await setUp();
    cloudfront.inject({
      operation: 'distributions',
      code: 'AccessDenied',
      account: BLUE_ACCOUNT_ID,
      times: Number.POSITIVE_INFINITY,
    });
    try {
      cloudfront.addExternal(BLUE, ['/blue/denied.html'], 'ci-blue-denied');
      await scheduleReconciliation(services);
      await runDue(services);
    } finally {
      cloudfront.clearFaults();
    }
    const listing = await services.reconcileState.listing();
    expect(listing).toMatchObject({ coverage: 'account', deniedAccounts: [BLUE_ACCOUNT_ID] });
    const listed = listing?.coverage === 'account' ? listing.distributions.map((d) => d.id) : [];
    // the home account is listed whole; of blue, the configured distribution is reconciled all the same
    expect(listed).toContain(WEB);
    expect(listed).not.toContain(BLUE_SHOP);
    const month = billingMonth(services.clock.now());
    const rows = await services.ledger.usageRows(month);
    const external = new Set(rows.filter((row) => row.external).map((row) => row.distributionId));
    expect(external.has(BLUE)).toBe(true);
    expect(external.has(BLUE_SHOP)).toBe(false);

    const report = await usageReport(services, () => 'full');
    expect(report).toMatchObject({ configuredOnly: false, unlistedAccounts: [BLUE_ACCOUNT_ID] });
    expect(JSON.stringify(usageMessage(report, services.policy).blocks)).toContain(
      `Usage covers only the configured distributions of \`${BLUE_ACCOUNT_ID}\``,
    );
  });
});
