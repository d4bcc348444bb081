import { describe, expect, it } from 'vitest';
import {
  cheaperForms,
  isHashedName,
  MAX_OFFERED_PREFIX,
  MAX_WILDCARD_OFFERS,
  MIN_PATHS_FOR_WILDCARD,
  wildcardOffers,
  withoutHashed,
  withWildcard,
} from '../../src/core/cheaper.js';
import { previewCost } from '../../src/core/cost.js';
import type { ApprovalPolicy, ApprovalRule } from '../../src/core/policy.js';

const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
const OPEN: ApprovalPolicy = { mode: 'never', rootWildcard: false, pastFreeAllowance: false };
const WILDCARDS: ApprovalPolicy = { ...OPEN, mode: 'wildcard' };
const files = (prefix: string, n: number, ext = 'css') =>
  Array.from({ length: n }, (_, i) => `${prefix}file-${i}.${ext}`);

function priced(paths: string[], usedBefore: number, rules: ApprovalRule[] = []) {
  return { paths, cost: previewCost(paths.length, usedBefore, PRICING), approval: { rules } };
}

describe('a wildcard for many paths under one prefix', () => {
  it('offers /assets/* for 240 files, with what it saves this month past the free allowance', () => {
    const forms = cheaperForms(priced(files('/assets/', 240), 1000), PRICING, OPEN);
    // 240 billable paths ($1.20) become 1 ($0.005): $1.195 saved.
    expect(forms.wildcards).toEqual([
      { wildcard: '/assets/*', replaces: 240, savesUsd: 1.195, needsApproval: false },
    ]);
  });

  it('says when the wildcard needs approval on the distribution', () => {
    const forms = cheaperForms(priced(files('/assets/', 240), 1000), PRICING, WILDCARDS);
    expect(forms.wildcards[0]?.needsApproval).toBe(true);
  });

  it('offers nothing that saves nothing: within the free allowance and under the approval limit', () => {
    expect(cheaperForms(priced(files('/assets/', 240), 0), PRICING, OPEN).wildcards).toEqual([]);
  });

  it('offers it within the free allowance when the request is over approvalAbovePaths', () => {
    const rules: ApprovalRule[] = [{ rule: 'above_paths', count: 240, limit: 100 }];
    const forms = cheaperForms(priced(files('/assets/', 240), 0, rules), PRICING, OPEN);
    expect(forms.wildcards).toEqual([
      { wildcard: '/assets/*', replaces: 240, savesUsd: 0, needsApproval: false },
    ]);
  });

  it('counts only the part past the free allowance as saved', () => {
    // 990 used: 10 of the 240 are free, 230 billable ($1.15); as one wildcard, nothing is billable.
    const forms = cheaperForms(priced(files('/assets/', 240), 990), PRICING, OPEN);
    expect(forms.wildcards[0]?.savesUsd).toBe(1.15);
  });

  it(`needs at least ${MIN_PATHS_FOR_WILDCARD} paths under a prefix`, () => {
    expect(wildcardOffers(files('/a/', MIN_PATHS_FOR_WILDCARD - 1))).toEqual([]);
    expect(wildcardOffers(files('/a/', MIN_PATHS_FOR_WILDCARD))).toEqual([
      { wildcard: '/a/*', replaces: MIN_PATHS_FOR_WILDCARD },
    ]);
  });

  it('prefers the prefix holding most paths, then the deeper one, and offers prefixes apart', () => {
    const paths = [
      ...files('/static/js/', 30),
      ...files('/static/css/', 10),
      ...files('/img/', 6),
      ...files('/docs/a/', 5),
      ...files('/fonts/', 5),
    ];
    // /static/ holds 40 (so /static/js/ and /static/css/ are inside it); /img/ 6; /docs/a/ before /docs/ (5 each).
    expect(wildcardOffers(paths)).toEqual([
      { wildcard: '/static/*', replaces: 40 },
      { wildcard: '/img/*', replaces: 6 },
      { wildcard: '/docs/a/*', replaces: 5 },
    ]);
    expect(wildcardOffers(paths)).toHaveLength(MAX_WILDCARD_OFFERS);
  });

  it('never offers /*, nor a wildcard the request has already', () => {
    expect(wildcardOffers(['/a.css', '/b.css', '/c.css', '/d.css', '/e.css', '/f.css'])).toEqual([]);
    expect(wildcardOffers(['/assets/*', ...files('/assets/img/', 3)])).toEqual([]);
  });

  it('counts narrower wildcards under the prefix among what it replaces, and skips cache tags', () => {
    const paths = ['/assets/img/*', '/assets/js/*', ...files('/assets/', 3), '#assets'];
    expect(wildcardOffers(paths)).toEqual([{ wildcard: '/assets/*', replaces: 5 }]);
    expect(withWildcard(paths, '/assets/*')).toEqual(['/assets/*', '#assets']);
  });

  it('replaces the paths where the first of them stood', () => {
    expect(withWildcard(['/index.html', '/a/1.js', '/b.js', '/a/2.js'], '/a/*')).toEqual([
      '/index.html',
      '/a/*',
      '/b.js',
    ]);
  });

  it('does not offer a prefix too long for a button, and stays quick on a pasted wall of slashes', () => {
    const long = `/${'x'.repeat(MAX_OFFERED_PREFIX)}/`;
    expect(wildcardOffers(files(long, 10))).toEqual([]);
    const deep = Array.from({ length: 200 }, (_, i) => `${'/d'.repeat(1900)}/${i}.js`);
    const started = performance.now();
    wildcardOffers(deep);
    // Bounded by the first few directories of each path, not by the slashes in it.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('file names with a content hash', () => {
  it.each([
    '/assets/app.3f9a1c2e.js',
    '/main-5d41402a.css',
    '/js/vendor.8b1a9953c4611296.chunk.js',
    '/assets/index-BxH3k9aZ.js',
  ])('recognises %s', (path) => expect(isHashedName(path)).toBe(true));

  it.each([
    '/index.html',
    '/report-20240101.pdf',
    '/lib-1.2.3.min.js',
    '/assets/*',
    '#app',
    '/3f9a1c2e.js',
    '/deadbeef/app.js',
    '/styles/cafebabe.css',
    '/about-us.html',
  ])('leaves %s alone', (path) => expect(isHashedName(path)).toBe(false));

  it('drops them, keeping the rest in order', () => {
    expect(withoutHashed(['/index.html', '/app.3f9a1c2e.js', '/docs/'])).toEqual(['/index.html', '/docs/']);
  });

  it('names them whatever the month: invalidating them never helps', () => {
    const forms = cheaperForms(priced(['/index.html', '/app.3f9a1c2e.js'], 0), PRICING, OPEN);
    expect(forms).toEqual({ wildcards: [], hashed: ['/app.3f9a1c2e.js'] });
  });
});
