import { describe, expect, it } from 'vitest';
import { commandRefusalText } from '../../src/adapters/slack/messages.js';
import type { DistributionConfig, PolicyConfig } from '../../src/config.js';
import { MAX_ITEM_BYTES } from '../../src/core/item-size.js';
import { prepareCommand } from '../../src/usecases/request-invalidation.js';

const web: DistributionConfig = {
  alias: 'web',
  id: 'E2ABCDEF123XYZ',
  policy: { mode: 'wildcard', rootWildcard: false, pastFreeAllowance: false },
  approvers: { users: ['U0LEAD'] },
  selfApproval: false,
};

const policy = {
  distributions: [web],
  approvalTimeoutMinutes: 30,
  maxPathsPerRequest: 3000,
  cost: { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
} as PolicyConfig;

const paths = (count: number, length: number) =>
  Array.from({ length: count }, (_, i) => `/${String(i).padStart(length - 1, 'p')}`).join(' ');

describe('a request too large to record is refused before anything is recorded', () => {
  it.each([
    [
      '3,000 paths of 150 characters',
      `web ${paths(3000, 150)}`,
      /too large to record.*400 KB.*Send the paths in 2 requests of at most [\d,]+ paths each/,
    ],
    [
      'one path pasted 60,000 times',
      `web ${'/same/path/to/a/file.html '.repeat(60_000)}`,
      /too large to record.*400 KB.*Leave out the 59,999 items that repeat a path/,
    ],
  ])('%s: refused, saying how to make it fit', (_name, text, advice) => {
    const prepared = prepareCommand(policy, text, 'C0DEPLOY');
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.error).toMatchObject({ code: 'too_large', max: MAX_ITEM_BYTES });
    expect(commandRefusalText(prepared.error)).toMatch(advice);
  });

  it('takes the most paths a request may have when they are of a usual length', () => {
    const prepared = prepareCommand(policy, `web ${paths(3000, 60)}`, 'C0DEPLOY');
    expect(prepared.ok).toBe(true);
  });
});
