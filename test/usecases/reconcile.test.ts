import { randomBytes } from 'node:crypto';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/aws/cloudfront.js';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../src/adapters/aws/dynamodb/stores.js';
import { CONFIGURED_ONLY_NOTE, usageMessage } from '../../src/adapters/slack/report-blocks.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { parseConfig } from '../../src/config.js';
import { billingMonth } from '../../src/core/cost.js';
import { monthsBefore } from '../../src/core/usage.js';
import type { Stores } from '../../src/usecases/ports.js';
import {
  ACCOUNT_DISTRIBUTIONS,
  type ReconcileServices,
  reconcileDistribution,
  reconcileTask,
  scheduleReconciliation,
} from '../../src/usecases/reconcile.js';
import { usageReport } from '../../src/usecases/reports.js';
import { type CloudFrontStandIn, startCloudFrontStandIn } from '../support/cloudfront-standin.js';
import { useDynalite } from '../support/dynalite.js';

const WEB = 'EWEB000000001';
const DOCS = 'EDOCS00000001';
/** a distribution of the account that the config does not name */
const SHOP = 'ESHOP00000001';

const client = useDynalite();
let cloudfront: CloudFrontStandIn | undefined;

afterEach(async () => {
  await cloudfront?.close();
  cloudfront = undefined;
});

const DEFAULT_DISTRIBUTIONS = {
  web: { id: WEB, channels: ['CWEB000001'], approvers: { users: ['ULEAD00001'] } },
  docs: { id: DOCS, approval: 'never' },
};

async function setUp(distributions: Record<string, unknown> = DEFAULT_DISTRIBUTIONS) {
  const tableName = `reconcile-${randomBytes(4).toString('hex')}`;
  await ensureTable(client(), tableName);
  const stores: Stores = openStores(client(), tableName);
  const standIn = await startCloudFrontStandIn({ completeAfterMs: 0 });
  cloudfront = standIn;
  const cdn = new CloudFrontCdn(
    new CloudFrontClient({
      endpoint: standIn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    }),
  );
  const config = parseConfig(
    { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' },
    {
      path: 'invalidator.config.yml',
      content: { distributions },
    },
  );
  const services: ReconcileServices = {
    ...stores,
    cdn,
    clock: { now: () => new Date().toISOString() },
    logger: createLogger({ level: 'error', secrets: [] }),
    workerId: 'worker-1',
    policy: config.policy,
    operations: config.operations,
  };
  return { services, standIn };
}

/**
 * Runs due reconcile tasks as the work loop does (claim under a lease, then run) until none is due:
 * the account's listing, then each distribution's pass. `pagesPerRun` bounds each distribution's run.
 */
async function runDue(services: ReconcileServices, pagesPerRun?: number): Promise<number> {
  let runs = 0;
  for (let round = 0; round < 50; round += 1) {
    const now = services.clock.now();
    const due = (await services.work.due(now, 50)).flatMap((work) =>
      work.kind === 'task' && work.task.kind === 'reconcile' ? [work] : [],
    );
    if (due.length === 0) return runs;
    for (const { task, dueAt } of due) {
      const until = new Date(Date.parse(now) + 30_000).toISOString();
      if (!(await services.work.claimTask(task, services.workerId, now, until))) continue;
      runs += 1;
      if (pagesPerRun !== undefined && task.distributionId !== ACCOUNT_DISTRIBUTIONS) {
        await reconcileDistribution(services, task.distributionId, dueAt, pagesPerRun);
      } else {
        await reconcileTask(services, task.distributionId, dueAt);
      }
    }
  }
  throw new Error('reconcile tasks kept falling due');
}

/** A new round of reconciliation, as the next interval (or a restart) brings it. */
async function reconcileAgain(services: ReconcileServices, pagesPerRun?: number): Promise<void> {
  await scheduleReconciliation(services);
  await runDue(services, pagesPerRun);
}

/** The external usage rows of a distribution, this UTC month and the previous one. */
async function external(services: ReconcileServices, distributionId: string) {
  const month = billingMonth(services.clock.now());
  const months = [month, ...monthsBefore(month, 1)];
  const rows = (await Promise.all(months.map((m) => services.ledger.usageRows(m)))).flat();
  const mine = rows.filter((row) => row.external && row.distributionId === distributionId);
  return {
    invalidations: mine.length,
    distinct: new Set(mine.map((row) => row.id)).size,
    paths: mine.reduce((total, row) => total + row.paths, 0),
  };
}

function usageText(report: Awaited<ReturnType<typeof usageReport>>, services: ReconcileServices): string {
  return JSON.stringify(usageMessage(report, services.policy).blocks);
}

const gets = (standIn: CloudFrontStandIn, distributionId: string) =>
  standIn.calls.filter((c) => c.operation === 'get' && c.distributionId === distributionId).length;
const lists = (standIn: CloudFrontStandIn, distributionId: string) =>
  standIn.calls.filter((c) => c.operation === 'list' && c.distributionId === distributionId).length;

describe('reconciliation over the whole account', () => {
  it('counts invalidations on a distribution the config does not name, by its id and domain name', async () => {
    const { services, standIn } = await setUp();
    standIn.addDistribution({ id: SHOP, domainName: 'd1shop.cloudfront.net', aliases: ['shop.example.com'] });
    standIn.addExternal(SHOP, ['/cart/*', '/index.html', '/a.css'], 'console-1');
    standIn.addExternal(DOCS, ['/guide.html'], 'github-actions-7');
    await reconcileAgain(services);
    expect(await external(services, SHOP)).toEqual({ invalidations: 1, distinct: 1, paths: 3 });
    expect(await external(services, DOCS)).toEqual({ invalidations: 1, distinct: 1, paths: 1 });
    const report = await usageReport(services, () => 'full');
    expect(report.paths).toBe(4);
    expect(report.freeRemaining).toBe(996);
    const text = usageText(report, services);
    expect(text).toContain('Made outside Invalidator');
    expect(text).toContain(`• ${SHOP} (d1shop.cloudfront.net) 1 invalidation, 3 paths`);
    expect(text).toContain('• `docs` 1 invalidation, 1 path');
    expect(text).not.toContain(CONFIGURED_ONLY_NOTE);
  });

  it('counts invalidations made outside the bot on a configured tenant, on its distribution, once', async () => {
    const TENANT = 'dt_2abcDEF3ghi';
    const { services, standIn } = await setUp({
      ...DEFAULT_DISTRIBUTIONS,
      shop: { id: SHOP, tenant: TENANT, approval: 'never' },
    });
    standIn.addTenant(TENANT, SHOP);
    standIn.addTenantExternal(TENANT, ['/cart.html', '/basket.html'], 'console-tenant');
    standIn.addExternal(SHOP, ['/index.html'], 'console-parent');
    await reconcileAgain(services);
    expect(await external(services, SHOP)).toEqual({ invalidations: 2, distinct: 2, paths: 3 });
    expect(standIn.calls.some((c) => c.operation === 'list' && c.tenantId === TENANT)).toBe(true);
    // A second round reads the tenant's list again and counts nothing twice.
    await reconcileAgain(services);
    expect(await external(services, SHOP)).toEqual({ invalidations: 2, distinct: 2, paths: 3 });
  });

  it('lists the account with every page of ListDistributions, aliases included', async () => {
    const { services, standIn } = await setUp();
    for (let n = 0; n < 120; n += 1) {
      standIn.addDistribution({ id: `EMANY${String(n).padStart(8, '0')}`, aliases: [`m${n}.example.com`] });
    }
    const listed = await services.cdn.distributions();
    expect(listed).toHaveLength(120);
    expect(listed[119]).toEqual({
      id: 'EMANY00000119',
      domainName: 'dmany00000119.cloudfront.net',
      aliases: ['m119.example.com'],
    });
    expect(standIn.calls.filter((c) => c.operation === 'distributions')).toHaveLength(2);
  });

  it('counts 250 invalidations across 3 pages exactly once, and a second round reads one page and counts nothing new', async () => {
    const { services, standIn } = await setUp();
    // 30 s apart, the newest an hour old: the margin below the watermark holds the newest 30 of them.
    const first = Date.now() - 3 * 3_600_000;
    for (let n = 0; n < 250; n += 1) {
      standIn.addExternal(DOCS, [`/p/${n}.html`, `/q/${n}.html`], `ci-${n}`, new Date(first + n * 30_000));
    }
    await reconcileAgain(services);
    expect(await external(services, DOCS)).toEqual({ invalidations: 250, distinct: 250, paths: 500 });
    expect(lists(standIn, DOCS)).toBe(3);
    expect(gets(standIn, DOCS)).toBe(250);

    await reconcileAgain(services);
    expect(await external(services, DOCS)).toEqual({ invalidations: 250, distinct: 250, paths: 500 });
    expect(gets(standIn, DOCS)).toBe(250);
    // Below the watermark (less its margin) nothing is read again: the second pass ends on its first page.
    expect(lists(standIn, DOCS)).toBe(4);
  });

  it('completes a pass whose run died on page 2 in the next run, skipping and doubling nothing', async () => {
    const { services, standIn } = await setUp();
    // 30 s apart: a watermark moved after page 1 would put pages 2 and 3 below it, beyond the margin.
    const first = Date.now() - 3 * 3_600_000;
    for (let n = 0; n < 250; n += 1) {
      standIn.addExternal(DOCS, [`/p/${n}.html`], `ci-${n}`, new Date(first + n * 30_000));
    }
    const stop = standIn.onCall((call) => {
      if (call.operation === 'list' && call.distributionId === DOCS && call.status === 200) {
        standIn.inject({ operation: 'list', distributionId: DOCS, code: 'ServiceUnavailable' });
        stop();
      }
    });
    await reconcileAgain(services);
    expect(await external(services, DOCS)).toEqual({ invalidations: 100, distinct: 100, paths: 100 });

    await reconcileAgain(services);
    expect(await external(services, DOCS)).toEqual({ invalidations: 250, distinct: 250, paths: 250 });
    expect(gets(standIn, DOCS)).toBe(250);
    expect((await usageReport(services, () => 'full')).paths).toBe(250);
  });

  it('reads a long history a few pages per run, going on at once until the pass is complete', async () => {
    const { services, standIn } = await setUp();
    for (let n = 0; n < 250; n += 1) standIn.addExternal(DOCS, [`/p/${n}.html`], `ci-${n}`);
    await scheduleReconciliation(services);
    const runs = await runDue(services, 1);
    // the account's listing, then three runs for docs (one page each) and one for web
    expect(runs).toBe(5);
    expect(await external(services, DOCS)).toEqual({ invalidations: 250, distinct: 250, paths: 250 });
    await reconcileAgain(services, 1);
    expect(await external(services, DOCS)).toEqual({ invalidations: 250, distinct: 250, paths: 250 });
  });

  it('reads a first pass back to the start of the previous UTC month, no further', async () => {
    const { services, standIn } = await setUp();
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 2));
    const longAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 2));
    standIn.addExternal(DOCS, ['/old.html'], 'old-ci', longAgo);
    standIn.addExternal(DOCS, ['/last-month.html'], 'ci-last-month', lastMonth);
    standIn.addExternal(DOCS, ['/now.html'], 'ci-now');
    await reconcileAgain(services);
    const rows = await services.ledger.usageRows(billingMonth(lastMonth.toISOString()));
    expect(rows.filter((row) => row.distributionId === DOCS)).toHaveLength(1);
    expect(await services.ledger.usageRows(billingMonth(longAgo.toISOString()))).toEqual([]);
    expect(gets(standIn, DOCS)).toBe(2);
  });

  it('falls back to the configured distributions when ListDistributions is refused, says so, and stops saying so once allowed', async () => {
    const { services, standIn } = await setUp();
    standIn.addDistribution({ id: SHOP, domainName: 'd1shop.cloudfront.net' });
    standIn.addExternal(SHOP, ['/cart/*'], 'console-1');
    standIn.addExternal(DOCS, ['/guide.html'], 'github-actions-7');
    standIn.inject({ operation: 'distributions', code: 'AccessDenied', times: Number.POSITIVE_INFINITY });
    await reconcileAgain(services);
    expect(await external(services, DOCS)).toEqual({ invalidations: 1, distinct: 1, paths: 1 });
    expect(await external(services, SHOP)).toEqual({ invalidations: 0, distinct: 0, paths: 0 });
    expect(lists(standIn, SHOP)).toBe(0);
    const denied = await usageReport(services, () => 'full');
    expect(denied.configuredOnly).toBe(true);
    expect(usageText(denied, services)).toContain(
      'Usage covers configured distributions only: the bot may not call cloudfront:ListDistributions (add it to its role to count every distribution).',
    );

    standIn.clearFaults();
    await reconcileAgain(services);
    expect(await external(services, SHOP)).toEqual({ invalidations: 1, distinct: 1, paths: 1 });
    const allowed = await usageReport(services, () => 'full');
    expect(allowed.configuredOnly).toBe(false);
    expect(allowed.paths).toBe(2);
    expect(usageText(allowed, services)).not.toContain(CONFIGURED_ONLY_NOTE);
  });

  it('shows a restricted distribution’s outside invalidations as its requests are shown', async () => {
    const { services, standIn } = await setUp();
    standIn.addExternal(WEB, ['/secret-launch.html', '/b.html'], 'console-2');
    await reconcileAgain(services);
    const outsider = await usageReport(services, () => 'restricted');
    expect(outsider.outside).toEqual([{ restricted: true, invalidations: 1, paths: 2 }]);
    expect(usageText(outsider, services)).toContain(
      ':lock: restricted distributions 1 invalidation, 2 paths',
    );
    // As for its requests: counted, in the totals and its distribution's line, but not in detail.
    expect(usageText(outsider, services)).not.toContain('`web` 1 invalidation');
    const member = await usageReport(services, () => 'full');
    expect(member.outside).toEqual([{ distributionId: WEB, invalidations: 1, paths: 2 }]);
  });
});
