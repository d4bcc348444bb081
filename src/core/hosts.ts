/**
 * Which distribution a pasted URL's host names. Pure: the configured `domains` and CloudFront's listing of
 * the account's distributions come in as arguments. CloudFront itself routes a request by its Host header
 * to the distribution whose alternate domain name (CNAME) matches it, an exact name before a wildcard
 * one, and a wildcard `*.example.com` covers exactly one more label:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-wildcard
 */

/** One item of a command, a form or a message: a URL keeps its host, anything else is a path or tag. */
export type Item = { kind: 'url'; host: string; path: string } | { kind: 'plain'; text: string };

/** A distribution as CloudFront lists it: the names it answers to. */
export interface ListedDistribution {
  id: string;
  /** e.g. d111111abcdef8.cloudfront.net */
  domainName: string;
  /** its alternate domain names (CNAMEs), possibly `*.example.com` */
  aliases: readonly string[];
}

/** A configured distribution's own `domains`. */
export interface ConfiguredDomains {
  id: string;
  domains: readonly string[];
}

/** How a host was matched: the config's `domains`, a CNAME read from CloudFront, or a *.cloudfront.net name. */
export type MatchedBy = 'domains' | 'alias' | 'cloudfront_domain';

export interface HostMatch {
  distributionId: string;
  by: MatchedBy;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);
const MAX_HOSTNAME_LENGTH = 253;

/** A host name as compared: lower case, without a trailing dot. */
export function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** True for a DNS host name, optionally a wildcard `*.example.com` (one leading `*` label). */
export function isHostname(name: string): boolean {
  const host = normaliseHost(name);
  return host.length <= MAX_HOSTNAME_LENGTH && HOSTNAME.test(host);
}

const URL_START = /^https?:\/\/([^/?#]*)/i;

/**
 * An http(s) URL as its host and the path (with its query) that CloudFront caches it under; a fragment never
 * reaches CloudFront, so it is dropped. User info and port are no part of the host. A non-ASCII host is
 * compared in its ASCII (punycode) form, the form CloudFront keeps CNAMEs in.
 */
export function itemOf(text: string): Item {
  const start = URL_START.exec(text);
  if (!start) return { kind: 'plain', text };
  const authority = start[1] ?? '';
  const rest = text.slice(start[0].length).replace(/#.*$/, '');
  const path = rest.startsWith('/') ? rest : `/${rest}`;
  return { kind: 'url', host: hostOf(authority), path };
}

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1);
  const withoutPort = withoutUser.replace(/:\d*$/, '');
  return normaliseHost(asciiHost(withoutPort));
}

function asciiHost(host: string): string {
  if (/^[\x20-\x7e]*$/.test(host)) return host;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return host;
  }
}

/** True when `pattern` (a host name, or `*.` and one) names `host`; a wildcard stands for exactly one label. */
export function domainMatches(pattern: string, host: string): boolean {
  const wanted = normaliseHost(pattern);
  if (!wanted.startsWith('*.')) return wanted === host;
  const suffix = wanted.slice(1);
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return label !== '' && !label.includes('.');
}

/** The first distribution with an exact name for `host`, else the first with a wildcard one. */
function byNames<T extends { id: string }>(
  host: string,
  candidates: readonly T[],
  names: (candidate: T) => readonly string[],
): string | undefined {
  const exact = candidates.find((c) => names(c).some((name) => normaliseHost(name) === host));
  if (exact) return exact.id;
  return candidates.find((c) => names(c).some((name) => domainMatches(name, host)))?.id;
}

/**
 * The distribution `host` belongs to: the config's `domains` first (they are what the operators said),
 * then the CNAMEs CloudFront lists, then the distributions' own *.cloudfront.net names. Undefined when
 * nothing matches. `listing` is absent when CloudFront could not be read or was not needed.
 */
export function matchHost(
  host: string,
  configured: readonly ConfiguredDomains[],
  listing?: readonly ListedDistribution[],
): HostMatch | undefined {
  const wanted = normaliseHost(host);
  const fromConfig = byNames(wanted, configured, (c) => c.domains);
  if (fromConfig) return { distributionId: fromConfig, by: 'domains' };
  if (!listing) return undefined;
  const fromAlias = byNames(wanted, listing, (d) => d.aliases);
  if (fromAlias) return { distributionId: fromAlias, by: 'alias' };
  const own = listing.find((d) => normaliseHost(d.domainName) === wanted);
  return own ? { distributionId: own.id, by: 'cloudfront_domain' } : undefined;
}

/** The distinct hosts of the URL items, in order of appearance. */
export function hostsOf(items: readonly Item[]): string[] {
  return [...new Set(items.flatMap((item) => (item.kind === 'url' ? [item.host] : [])))];
}

/** What is submitted for an item: a URL's path (the host chose the distribution), anything else as typed. */
export function pathOf(item: Item): string {
  return item.kind === 'url' ? item.path : item.text;
}
