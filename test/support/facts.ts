import type { PolicyConfig } from '../../src/config.js';
import { createDistributionFacts, type DistributionFacts } from '../../src/usecases/distribution-facts.js';
import type { DistributionSummary } from '../../src/usecases/ports.js';
import { type PreparedCommand, prepareCommand } from '../../src/usecases/request-invalidation.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The distribution facts over a CloudFront answered from memory: `listing` is what ListDistributions
 * lists (nothing by default, so only the config's `domains` match), `cacheTags` the header per
 * distribution id (by default every distribution takes cache tags, so tags pass as they did before the
 * check; pass `{}` for none). A `listing` of 'denied' makes ListDistributions fail.
 */
export function factsFor(
  policy: Pick<PolicyConfig, 'distributions'>,
  options: { listing?: DistributionSummary[] | 'denied'; cacheTags?: Record<string, string> } = {},
): DistributionFacts {
  const { listing = [], cacheTags } = options;
  return createDistributionFacts({
    cdn: {
      distributions: async () => {
        if (listing === 'denied') throw new Error('AccessDenied');
        return listing;
      },
      distributionConfig: async (id) => {
        const header = cacheTags ? cacheTags[id] : 'Cache-Tag';
        return header === undefined ? {} : { cacheTagHeader: header };
      },
    },
    reconcileState: { listing: async () => undefined },
    clock: { now: () => new Date().toISOString() },
    logger: quiet,
    policy,
  });
}

/** prepareCommand with the facts above: the config's `domains` only, every distribution taking tags. */
export function prepareOffline(
  policy: PolicyConfig,
  text: string,
  channel: string,
): ReturnType<typeof prepareCommand> {
  return prepareCommand({ policy, facts: factsFor(policy) }, text, channel);
}

export type { PreparedCommand };
