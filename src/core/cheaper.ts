import { type CostPreview, type Pricing, previewCost } from './cost.js';
import { isCacheTag, isWildcard } from './paths.js';
import { type ApprovalPolicy, type ApprovalRule, approvalNeed, type LimitFindings } from './policy.js';
import { type Distribution, distributionIds } from './request/model.js';

/**
 * Cheaper forms of a request, offered before it is submitted. CloudFront bills a wildcard as one path
 * however many objects it removes, so many paths under one prefix cost less as that prefix's wildcard; and a
 * file whose name carries a content hash never needs invalidating, because a deploy that changes it writes a
 * new name (CloudFront's own advice: version file names rather than invalidate them).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html#Invalidation_Expressions
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/UpdatingExistingObjects.html
 */

/** A wildcard is offered only for a prefix that holds at least this many of the request's paths. */
export const MIN_PATHS_FOR_WILDCARD = 5;
/** At most this many wildcards are offered, each for a prefix apart from the others. */
export const MAX_WILDCARD_OFFERS = 3;
/**
 * Prefixes are looked for this many directories deep at most: a deeper prefix saves little over its parent,
 * and the bound keeps the search linear in the paths' length whatever a pasted path holds.
 */
const MAX_PREFIX_DEPTH = 8;
/**
 * A request changes its paths at most this many times by choice: each choice may bring new offers (another
 * prefix), and each is an audit event on the request's item, which DynamoDB bounds.
 */
export const MAX_CHOICES = 5;
/**
 * A prefix longer than this is not offered: its button shows 60 characters of it, and each choice is kept with
 * the request (its offers, an audit event), whose item DynamoDB bounds.
 */
export const MAX_OFFERED_PREFIX = 200;

/** Replacing the paths under `prefix` by `prefix*`: `replaces` paths become one. */
export interface WildcardOffer {
  wildcard: string;
  replaces: number;
  /** what the month's bill is spared, as the request's card counts cost (its place in the month) */
  savesUsd: number;
  /** the request with it needs approval (the distribution's wildcard policy, say), which the card says */
  needsApproval: boolean;
}

export interface CheaperForms {
  wildcards: WildcardOffer[];
  /** the request's paths whose file names carry a content hash, in the request's order */
  hashed: string[];
}

/** What a request must carry for its cheaper forms to be worked out: all of it is stored with it. */
export interface Priced {
  /** each of its paths is billed once per distribution (model.ts billedPaths); absent: one distribution */
  distribution?: Distribution;
  paths: readonly string[];
  cost: CostPreview;
  approval: { rules: readonly ApprovalRule[] };
}

/**
 * The cheaper forms of a request. A wildcard is offered when it saves money this month (paths past the free
 * allowance) or when the request is over the distribution's `approvalAbovePaths`; hashed files are always
 * named, since invalidating them does nothing a new deploy would not. Dropping them is offered only while
 * other paths remain: a request of hashed files alone is the requester's to cancel.
 */
export function cheaperForms(request: Priced, pricing: Pricing, policy: ApprovalPolicy): CheaperForms {
  const overPaths = request.approval.rules.some((rule) => rule.rule === 'above_paths');
  const findings = findingsOf(request.approval.rules);
  const wildcards = wildcardOffers(request.paths)
    .map(({ wildcard, replaces }) => {
      const paths = withWildcard(request.paths, wildcard);
      const billed = paths.length * (request.distribution ? distributionIds(request.distribution).length : 1);
      const cost = previewCost(billed, request.cost.usedBefore, pricing);
      return {
        wildcard,
        replaces,
        savesUsd: savedUsd(request.cost, billed, pricing),
        needsApproval: approvalNeed(paths, cost, policy, findings).required,
      };
    })
    .filter((offer) => offer.savesUsd > 0 || overPaths);
  return { wildcards, hashed: request.paths.filter(isHashedName) };
}

/**
 * The budget and requester-limit rules the reservations found when the request was made: they come from its
 * place in the month and the hour, not from its paths, so they still stand once its paths change.
 */
export function findingsOf(rules: readonly ApprovalRule[]): LimitFindings {
  const findings: LimitFindings = {};
  for (const rule of rules) {
    if (rule.rule === 'over_budget') findings.overBudget = { usedAfter: rule.usedAfter, budget: rule.budget };
    if (rule.rule === 'requester_limit') findings.requesterLimit = rule;
  }
  return findings;
}

/** Whether a request has anything to offer: a wildcard, or hashed files to drop. */
export function hasCheaperForm(forms: CheaperForms, paths: number): boolean {
  return forms.wildcards.length > 0 || canDropHashed(forms, paths);
}

/** Dropping hashed files leaves something to invalidate. */
export function canDropHashed(forms: CheaperForms, paths: number): boolean {
  return forms.hashed.length > 0 && forms.hashed.length < paths;
}

/** What the bill is spared when a request of `request.cost.paths` paths becomes one of `pathsAfter`. */
export function savedUsd(cost: CostPreview, pathsAfter: number, pricing: Pricing): number {
  const after = previewCost(pathsAfter, cost.usedBefore, pricing);
  return Math.round((cost.costUsd - after.costUsd) * 1000) / 1000;
}

/**
 * Prefixes (directories below the root) that hold at least MIN_PATHS_FOR_WILDCARD of the paths, most paths
 * first (a deeper prefix first among equals, since it removes less), each apart from those before it. The
 * root is never offered: `/*` purges the whole distribution, which is a decision, not a saving.
 */
export function wildcardOffers(paths: readonly string[]): Array<{ wildcard: string; replaces: number }> {
  const counts = new Map<string, number>();
  const existing = new Set(paths.filter(isWildcard));
  for (const path of paths) {
    if (isCacheTag(path)) continue;
    for (const prefix of ancestors(path)) counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const ranked = [...counts]
    .filter(([prefix, n]) => n >= MIN_PATHS_FOR_WILDCARD && !existing.has(`${prefix}*`))
    .filter(([prefix]) => prefix.length <= MAX_OFFERED_PREFIX)
    .sort(([a, n], [b, m]) => m - n || b.length - a.length || (a < b ? -1 : 1));
  const chosen: Array<{ wildcard: string; replaces: number }> = [];
  for (const [prefix, replaces] of ranked) {
    if (chosen.length === MAX_WILDCARD_OFFERS) break;
    const overlaps = chosen.some(({ wildcard }) => {
      const other = wildcard.slice(0, -1);
      return prefix.startsWith(other) || other.startsWith(prefix);
    });
    if (!overlaps) chosen.push({ wildcard: `${prefix}*`, replaces });
  }
  return chosen;
}

/**
 * The directories a path lies under, from the first below the root, at most MAX_PREFIX_DEPTH deep: `/a/b/c.js`
 * gives `/a/` and `/a/b/`. A wildcard lies under the directories above the one it names (`/a/b/*` under `/a/`).
 */
function ancestors(path: string): string[] {
  const prefixes: string[] = [];
  let slash = path.indexOf('/', 1);
  while (slash !== -1 && prefixes.length < MAX_PREFIX_DEPTH) {
    const prefix = path.slice(0, slash + 1);
    if (prefix.length < path.length && !(isWildcard(path) && path === `${prefix}*`)) prefixes.push(prefix);
    slash = path.indexOf('/', slash + 1);
  }
  return prefixes;
}

/**
 * The request's paths with those under the wildcard's prefix (files, and narrower wildcards) replaced by the
 * wildcard, where the first of them stood.
 */
export function withWildcard(paths: readonly string[], wildcard: string): string[] {
  const prefix = wildcard.slice(0, -1);
  const result: string[] = [];
  let placed = false;
  for (const path of paths) {
    if (!isCacheTag(path) && path.startsWith(prefix)) {
      if (!placed) result.push(wildcard);
      placed = true;
    } else result.push(path);
  }
  return result;
}

/** The request's paths without those whose file names carry a content hash. */
export function withoutHashed(paths: readonly string[]): string[] {
  return paths.filter((path) => !isHashedName(path));
}

/**
 * Whether a path's file name carries a content hash, as bundlers write them: a dot- or dash-separated part of
 * at least 8 hexadecimal digits with a letter and a digit among them (`app.3f9a1c2e.js`, `main-5d41402a.css`,
 * webpack's `[contenthash]`), or of 8 or more letters and digits mixing upper case, lower case and digits
 * (Vite's and Rollup's `index-BxH3k9aZ.js`). A date (`report-20240101.pdf`) or a version (`lib-1.2.3.js`) is
 * not a hash. Wildcards and cache tags name no file.
 */
export function isHashedName(path: string): boolean {
  if (isWildcard(path) || isCacheTag(path)) return false;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  // The part before the extension; a name without one has no hash part to recognise.
  if (dot <= 0) return false;
  return name
    .slice(0, dot)
    .split(/[.-]/)
    .slice(1)
    .some((part) => isHexHash(part) || isMixedHash(part));
}

function isHexHash(part: string): boolean {
  return /^[0-9a-f]{8,64}$/i.test(part) && /[0-9]/.test(part) && /[a-f]/i.test(part);
}

function isMixedHash(part: string): boolean {
  return /^[A-Za-z0-9_]{8,64}$/.test(part) && /[0-9]/.test(part) && /[a-z]/.test(part) && /[A-Z]/.test(part);
}
