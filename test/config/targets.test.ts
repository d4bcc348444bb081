import { describe, expect, it } from 'vitest';
import { ConfigError, findDistribution, type PolicyConfig, parsePolicyFile } from '../../src/config.js';

const CONFIG_PATH = 'invalidator.config.yml';
const E1 = 'E1WEBEU000001';
const E2 = 'E2WEBUS000001';
const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJOSNE1AB';

function parse(distributions: Record<string, unknown>): PolicyConfig {
  return parsePolicyFile({ path: CONFIG_PATH, content: { distributions } });
}

function problemsOf(distributions: Record<string, unknown>): string[] {
  try {
    parse(distributions);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the distributions an alias names: id, ids, tenant', () => {
  it('reads ids as one alias over several distributions, the first as its id, found by any of them', () => {
    const policy = parse({ web: { ids: [E1, E2], approval: 'never' } });
    expect(policy.distributions[0]).toMatchObject({ alias: 'web', id: E1, ids: [E1, E2] });
    expect(findDistribution(policy, E2)?.alias).toBe('web');
  });

  it('reads a tenant of a multi-tenant distribution', () => {
    const policy = parse({ shop: { id: E1, tenant: TENANT, approval: 'never' } });
    expect(policy.distributions[0]).toMatchObject({ alias: 'shop', id: E1, tenant: TENANT });
    expect(policy.distributions[0]?.ids).toBeUndefined();
  });

  it('reads several tenants of one multi-tenant distribution, each under its own alias, but not one twice', () => {
    const policy = parse({
      shop: { id: E1, tenant: TENANT, approval: 'never' },
      blog: { id: E1, tenant: 'dt_9zyxWVU8tsr', approval: 'never' },
    });
    expect(policy.distributions.map((d) => [d.alias, d.tenant])).toEqual([
      ['shop', TENANT],
      ['blog', 'dt_9zyxWVU8tsr'],
    ]);
    expect(() =>
      parse({
        shop: { id: E1, tenant: TENANT, approval: 'never' },
        again: { id: E1, tenant: TENANT, approval: 'never' },
      }),
    ).toThrow("distributions.again.id is also the id of 'shop'");
  });

  it.each([
    [
      'neither id nor ids',
      { approval: 'never' },
      'distributions.web.id is required (or ids, for several distributions)',
    ],
    [
      'both id and ids',
      { id: E1, ids: [E1, E2], approval: 'never' },
      'distributions.web.ids cannot be set with id: use one of them',
    ],
    [
      'one id in ids',
      { ids: [E1], approval: 'never' },
      'distributions.web.ids must list at least two distribution ids (use id for one)',
    ],
    [
      'an id twice in ids',
      { ids: [E1, E1], approval: 'never' },
      'distributions.web.ids must not list an id twice',
    ],
    [
      'a bad id in ids',
      { ids: [E1, 'nope'], approval: 'never' },
      'distributions.web.ids.1 must be a CloudFront distribution id such as E2ABCDEF123XYZ',
    ],
    [
      'a tenant with ids',
      { ids: [E1, E2], tenant: TENANT, approval: 'never' },
      'distributions.web.tenant needs a single id (the multi-tenant distribution), not ids',
    ],
    [
      'a tenant that is no tenant id',
      { id: E1, tenant: 'E2TENANT', approval: 'never' },
      'distributions.web.tenant must be a CloudFront distribution tenant id such as dt_2abcDEF3ghi',
    ],
  ])('refuses %s, naming the key', (_, web, problem) => {
    expect(problemsOf({ web })).toEqual([`${CONFIG_PATH}: ${problem}`]);
  });

  it('refuses an id under two aliases, whether as id or in ids', () => {
    expect(
      problemsOf({ web: { ids: [E1, E2], approval: 'never' }, us: { id: E2, approval: 'never' } }),
    ).toEqual([`${CONFIG_PATH}: distributions.us.id is also the id of 'web'`]);
    expect(
      problemsOf({ eu: { id: E1, approval: 'never' }, web: { ids: [E2, E1], approval: 'never' } }),
    ).toEqual([`${CONFIG_PATH}: distributions.web.ids names ${E1}, also an id of 'eu'`]);
  });
});
