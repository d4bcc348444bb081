import { describe, expect, it } from 'vitest';
import type { DistributionConfig } from '../../src/config.js';
import { createDistributionFacts } from '../../src/usecases/distribution-facts.js';
import { CdnError, type DistributionListing, type DistributionSummary } from '../../src/usecases/ports.js';
import { checkCacheTags } from '../../src/usecases/request-targets.js';

const web = { alias: 'web', id: 'EWEB', domains: ['www.example.com'] } as const;
const docs = { alias: 'docs', id: 'EDOCS' } as const;
/** one site behind two distributions (`ids`): a CNAME of either is the alias's */
const shop = { alias: 'shop', id: 'ESHOPEU', ids: ['ESHOPEU', 'ESHOPUS'] } as const;
const policy = { distributions: [web, docs, shop] as unknown as DistributionConfig[] };
const LISTING: DistributionSummary[] = [
  { id: 'EDOCS', domainName: 'd2.cloudfront.net', aliases: ['docs.example.com'] },
  { id: 'ESHOPUS', domainName: 'd3.cloudfront.net', aliases: ['us.shop.example.com'] },
];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A CloudFront answered from memory that counts its calls; `fail` makes every call throw it. */
function fakeCdn(options: { fail?: Error; delayMs?: number; headers?: Record<string, string> } = {}) {
  const calls = { distributions: 0, config: 0 };
  const wait = () => new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
  return {
    calls,
    distributions: async () => {
      calls.distributions += 1;
      await wait();
      if (options.fail) throw options.fail;
      return LISTING;
    },
    distributionConfig: async (id: string) => {
      calls.config += 1;
      await wait();
      if (options.fail) throw options.fail;
      const header = options.headers?.[id];
      return header ? { cacheTagHeader: header } : {};
    },
  };
}

function factsWith(cdn: ReturnType<typeof fakeCdn>, stored?: DistributionListing, deadlineMs = 1_000) {
  const clock = { at: '2026-05-04T10:00:00.000Z', now: () => clock.at };
  const facts = createDistributionFacts(
    { cdn, reconcileState: { listing: async () => stored }, clock, logger: quiet, policy },
    { ttlMs: 5 * 60_000, deadlineMs },
  );
  return { facts, clock };
}

describe('distribution facts: hosts', () => {
  it('answers a host in `domains` without calling CloudFront', async () => {
    const cdn = fakeCdn();
    const { facts } = factsWith(cdn);
    const answers = await facts.hosts(['www.example.com']);
    expect(answers.get('www.example.com')).toMatchObject({ kind: 'configured', by: 'domains' });
    expect(cdn.calls.distributions).toBe(0);
  });

  it('lists the account once for concurrent lookups, then keeps it a few minutes', async () => {
    const cdn = fakeCdn({ delayMs: 20 });
    const { facts, clock } = factsWith(cdn);
    const [a, b] = await Promise.all([facts.hosts(['docs.example.com']), facts.hosts(['d2.cloudfront.net'])]);
    expect(a.get('docs.example.com')).toMatchObject({ kind: 'configured', by: 'alias' });
    expect(b.get('d2.cloudfront.net')).toMatchObject({ kind: 'configured', by: 'cloudfront_domain' });
    expect(cdn.calls.distributions).toBe(1);
    clock.at = '2026-05-04T10:04:00.000Z';
    await facts.hosts(['docs.example.com']);
    expect(cdn.calls.distributions).toBe(1);
    clock.at = '2026-05-04T10:06:00.000Z';
    await facts.hosts(['docs.example.com']);
    expect(cdn.calls.distributions).toBe(2);
  });

  it('uses the listing reconciliation stored while it is fresh', async () => {
    const cdn = fakeCdn();
    const fresh: DistributionListing = {
      coverage: 'account',
      listedAt: '2026-05-04T09:58:00.000Z',
      distributions: [{ id: 'EDOCS', domainName: 'd2.cloudfront.net', aliases: ['stored.example.com'] }],
    };
    const { facts } = factsWith(cdn, fresh);
    expect((await facts.hosts(['stored.example.com'])).get('stored.example.com')).toMatchObject({
      kind: 'configured',
    });
    expect(cdn.calls.distributions).toBe(0);
    const stale = { ...fresh, listedAt: '2026-05-04T09:00:00.000Z' };
    const later = factsWith(fakeCdn(), stale);
    expect((await later.facts.hosts(['stored.example.com'])).get('stored.example.com')).toMatchObject({
      kind: 'unknown',
    });
  });

  it('falls back to `domains` when CloudFront cannot be read, and says so; tries again next time', async () => {
    const cdn = fakeCdn({ fail: new CdnError('AccessDenied', 'permanent', 'denied') });
    const { facts } = factsWith(cdn);
    const answers = await facts.hosts(['docs.example.com', 'www.example.com']);
    expect(answers.get('docs.example.com')).toEqual({ kind: 'unknown', listing: 'unreadable' });
    expect(answers.get('www.example.com')).toMatchObject({ kind: 'configured', by: 'domains' });
    await facts.hosts(['docs.example.com']);
    expect(cdn.calls.distributions).toBe(2);
  });

  it('answers without the listing when CloudFront is slower than the deadline', async () => {
    const cdn = fakeCdn({ delayMs: 200 });
    const { facts } = factsWith(cdn, undefined, 20);
    expect((await facts.hosts(['docs.example.com'])).get('docs.example.com')).toEqual({
      kind: 'unknown',
      listing: 'unreadable',
    });
  });

  it('finds the alias of a distribution listed under its `ids`, not only its first id', async () => {
    const { facts } = factsWith(fakeCdn());
    const answers = await facts.hosts(['us.shop.example.com']);
    expect(answers.get('us.shop.example.com')).toMatchObject({
      kind: 'configured',
      by: 'alias',
      distribution: { alias: 'shop' },
    });
  });

  it('names a distribution of the account that the config does not name', async () => {
    const cdn = fakeCdn();
    const { facts } = factsWith(cdn, {
      coverage: 'account',
      listedAt: '2026-05-04T10:00:00.000Z',
      distributions: [{ id: 'EOTHER', domainName: 'd9.cloudfront.net', aliases: ['other.example.org'] }],
    });
    expect((await facts.hosts(['other.example.org'])).get('other.example.org')).toEqual({
      kind: 'unconfigured',
      distributionId: 'EOTHER',
      by: 'alias',
    });
  });
});

describe('distribution facts: cache tags', () => {
  it('reads a distribution’s configuration once for concurrent checks, and keeps it', async () => {
    const cdn = fakeCdn({ delayMs: 20, headers: { EDOCS: 'Cache-Tag' } });
    const { facts } = factsWith(cdn);
    const answers = await Promise.all([facts.cacheTags('EDOCS'), facts.cacheTags('EDOCS')]);
    expect(answers).toEqual([
      { kind: 'enabled', header: 'Cache-Tag' },
      { kind: 'enabled', header: 'Cache-Tag' },
    ]);
    expect(await facts.cacheTags('EWEB')).toEqual({ kind: 'not_enabled' });
    await facts.cacheTags('EDOCS');
    expect(cdn.calls.config).toBe(2);
  });

  it.each([
    ['AccessDenied', true],
    ['ServiceUnavailable', false],
  ])('says the configuration could not be read on %s', async (code, denied) => {
    const cdn = fakeCdn({ fail: new CdnError(code, denied ? 'permanent' : 'transient', code) });
    const { facts } = factsWith(cdn);
    expect(await facts.cacheTags('EDOCS')).toEqual({ kind: 'unreadable', denied, code });
  });

  it('accepts tags on an alias with `ids` only when every one of its distributions keeps them', async () => {
    const both = factsWith(fakeCdn({ headers: { ESHOPEU: 'Cache-Tag', ESHOPUS: 'Cache-Tag' } })).facts;
    const one = factsWith(fakeCdn({ headers: { ESHOPEU: 'Cache-Tag' } })).facts;
    const paths = ['#product-42'];
    expect(await checkCacheTags(both, shop as unknown as DistributionConfig, paths)).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await checkCacheTags(one, shop as unknown as DistributionConfig, paths)).toMatchObject({
      ok: false,
      error: { code: 'cache_tags_not_enabled' },
    });
  });
});
