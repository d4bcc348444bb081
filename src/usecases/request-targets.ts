import type { DistributionConfig } from '../config.js';
import { hostsOf, type Item } from '../core/hosts.js';
import { isCacheTag } from '../core/paths.js';
import { distributionIds } from '../core/request.js';
import { err, ok, type Result } from '../core/result.js';
import type { DistributionFacts, HostAnswer } from './distribution-facts.js';

/** A URL whose host names no distribution that may be requested here. */
export type HostRefusal =
  | {
      code: 'unknown_host';
      host: string;
      /** whether CloudFront's CNAMEs were looked at, or could not be read */
      listing: 'read' | 'unreadable';
      /** set when the host belongs to a distribution of the account the config file does not name */
      distributionId?: string;
    }
  | {
      code: 'url_of_other_distribution';
      host: string;
      distribution: DistributionConfig;
      chosen: DistributionConfig;
    }
  /** URLs of two or more distributions in one command with no alias: one command per distribution */
  | { code: 'several_distributions'; hosts: Array<{ host: string; distribution: DistributionConfig }> };

/** `#tag` items on a distribution that keeps no cache tags, or whose configuration could not be read. */
export type TagRefusal =
  | { code: 'cache_tags_not_enabled'; distribution: DistributionConfig }
  | { code: 'cache_tags_unreadable'; distribution: DistributionConfig; denied: boolean };

export type HostAnswers = ReadonlyMap<string, HostAnswer>;

/** What each URL item's host names; no lookup at all when there are no URLs. */
export async function lookUpHosts(facts: DistributionFacts, items: readonly Item[]): Promise<HostAnswers> {
  const hosts = hostsOf(items);
  return hosts.length === 0 ? new Map() : facts.hosts(hosts);
}

/**
 * The one distribution the URLs name, when no alias was given: every host must name a configured
 * distribution, and all the same one. Undefined when there are no URLs.
 */
export function chooseByHosts(
  answers: HostAnswers,
): Result<{ distribution: DistributionConfig; host: string } | undefined, HostRefusal> {
  const found: Array<{ host: string; distribution: DistributionConfig }> = [];
  for (const [host, answer] of answers) {
    if (answer.kind !== 'configured') return err(unknownHost(host, answer));
    found.push({ host, distribution: answer.distribution });
  }
  const ids = new Set(found.map((entry) => entry.distribution.id));
  if (ids.size > 1) return err({ code: 'several_distributions', hosts: found });
  const first = found[0];
  return ok(first);
}

/** Every URL must belong to `chosen`: a URL of another site sent to this one would purge the wrong objects. */
export function checkHosts(
  answers: HostAnswers,
  chosen: DistributionConfig,
): Result<undefined, Exclude<HostRefusal, { code: 'several_distributions' }>> {
  for (const [host, answer] of answers) {
    if (answer.kind !== 'configured') return err(unknownHost(host, answer));
    if (answer.distribution.id !== chosen.id) {
      return err({ code: 'url_of_other_distribution', host, distribution: answer.distribution, chosen });
    }
  }
  return ok(undefined);
}

function unknownHost(
  host: string,
  answer: Exclude<HostAnswer, { kind: 'configured' }>,
): Extract<HostRefusal, { code: 'unknown_host' }> {
  if (answer.kind === 'unconfigured')
    return { code: 'unknown_host', host, listing: 'read', distributionId: answer.distributionId };
  return { code: 'unknown_host', host, listing: answer.listing };
}

/**
 * Cache tags only do something where CloudFront keeps them (a cache-tag header in the distribution's
 * configuration), and CloudFront refuses them elsewhere; a request without tags costs no lookup.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html
 */
export async function checkCacheTags(
  facts: DistributionFacts,
  distribution: DistributionConfig,
  paths: readonly string[],
): Promise<Result<undefined, TagRefusal>> {
  if (!paths.some(isCacheTag)) return ok(undefined);
  // Every distribution of the alias gets the tags: each must keep them.
  const supports = await Promise.all(distributionIds(distribution).map((id) => facts.cacheTags(id)));
  const support =
    supports.find((one) => one.kind === 'unreadable') ??
    supports.find((one) => one.kind === 'not_enabled') ??
    supports[0] ??
    ({ kind: 'not_enabled' } as const);
  switch (support.kind) {
    case 'enabled':
      return ok(undefined);
    case 'not_enabled':
      return err({ code: 'cache_tags_not_enabled', distribution });
    case 'unreadable':
      return err({ code: 'cache_tags_unreadable', distribution, denied: support.denied });
    default: {
      const unreachable: never = support;
      return unreachable;
    }
  }
}
