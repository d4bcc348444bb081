import { previewCost } from '../../src/core/cost.js';
import type { NewProposal } from '../../src/core/proposal.js';

/** When the sample proposal was made: three minutes after its deploy's last write. */
export const PROPOSED_AT = '2026-12-07T14:05:00.000Z';

/**
 * A deploy proposal as the tests of its model and its card use it: a deploy to `my-site` that changed 37
 * objects, proposing `paths`, priced with `usedBefore` paths of the month's 1,000 free ones used.
 */
export function newProposal(
  paths: string[],
  overrides: Partial<NewProposal> = {},
  usedBefore = 0,
): NewProposal {
  return {
    id: 'PRO-0000000001',
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    bucket: 'my-site',
    channel: 'C0DEPLOY',
    source: 'events',
    deployedAt: '2026-12-07T14:02:41.000Z',
    createdAt: PROPOSED_AT,
    objects: { changed: 37, created: 12, deleted: 3 },
    leftOut: { hashed: 3, created: 12 },
    paths,
    cost: previewCost(paths.length, usedBefore, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
    approvalRules: [],
    ...overrides,
  };
}
