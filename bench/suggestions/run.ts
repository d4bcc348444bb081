/**
 * What the cheaper forms save on a sample deploy: a static site built by a bundler (hashed assets), its pages
 * and images, every uploaded file listed for invalidation as `aws s3 sync` output would have it. Prints the
 * paths and dollars of each form, for one deploy and for a month of deploys, past the free allowance (the
 * case where a saving is money) and inside it. Figures, not timings: the same every run.
 *
 *   npm run bench:suggestions
 */
import { cheaperForms, withoutHashed, withWildcard } from '../../src/core/cheaper.js';
import { formatUsd, previewCost } from '../../src/core/cost.js';
import { type ApprovalPolicy, approvalNeed } from '../../src/core/policy.js';

const PRICING = { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 };
const POLICY: ApprovalPolicy = { mode: 'wildcard', rootWildcard: true, pastFreeAllowance: false };
const DEPLOYS_PER_MONTH = 20;

const hash = (n: number) => (0x3f9a1c2e + n * 7919).toString(16).padStart(8, '0');

/** 1 root page, 40 docs pages, 260 hashed bundles and chunks, 24 hashed fonts, 60 images. */
function sampleDeploy(): string[] {
  return [
    '/index.html',
    ...Array.from({ length: 40 }, (_, n) => `/docs/page-${n}.html`),
    ...Array.from({ length: 200 }, (_, n) => `/assets/chunk-${hash(n)}.js`),
    ...Array.from({ length: 60 }, (_, n) => `/assets/style-${hash(n + 500)}.css`),
    ...Array.from({ length: 24 }, (_, n) => `/fonts/inter.${hash(n + 900)}.woff2`),
    ...Array.from({ length: 60 }, (_, n) => `/img/team/photo-${n}.jpg`),
  ];
}

interface Form {
  name: string;
  paths: string[];
}

function forms(paths: string[]): Form[] {
  const offered = cheaperForms(
    { paths, cost: previewCost(paths.length, PRICING.freePathsPerMonth, PRICING), approval: { rules: [] } },
    PRICING,
    POLICY,
  );
  const dropped = withoutHashed(paths);
  const wildcards = offered.wildcards.reduce((list, offer) => withWildcard(list, offer.wildcard), paths);
  const afterDrop = cheaperForms(
    {
      paths: dropped,
      cost: previewCost(dropped.length, PRICING.freePathsPerMonth, PRICING),
      approval: { rules: [] },
    },
    PRICING,
    POLICY,
  ).wildcards.reduce((list, offer) => withWildcard(list, offer.wildcard), dropped);
  return [
    { name: 'as listed', paths },
    { name: `Use ${offered.wildcards.map((o) => o.wildcard).join(', ')}`, paths: wildcards },
    { name: 'Drop hashed files', paths: dropped },
    { name: 'Drop hashed files, then the wildcard offered', paths: afterDrop },
  ];
}

const deploy = sampleDeploy();
const rows = forms(deploy).map(({ name, paths }) => {
  const past = previewCost(paths.length, PRICING.freePathsPerMonth, PRICING);
  const needs = approvalNeed(paths, past, POLICY).required;
  return {
    name,
    paths: paths.length,
    perDeploy: past.costUsd,
    perMonth: past.costUsd * DEPLOYS_PER_MONTH,
    needs,
  };
});
const base = rows[0];
if (!base) throw new Error('no forms');
console.log(
  `Sample deploy: ${deploy.length} files; ${DEPLOYS_PER_MONTH} deploys a month; past the free allowance.`,
);
console.log('');
console.log(
  '| form | paths per deploy | cost per deploy | cost per month | saved per month | needs approval |',
);
console.log('|---|---:|---:|---:|---:|---|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.paths} | ${formatUsd(row.perDeploy)} | ${formatUsd(row.perMonth)} | ${formatUsd(base.perMonth - row.perMonth)} | ${row.needs ? 'yes (wildcard)' : 'no'} |`,
  );
}
// Inside the free allowance the same month's deploys run out of free paths sooner as listed.
const monthPaths = (paths: number) => paths * DEPLOYS_PER_MONTH;
console.log('');
for (const row of rows) {
  const used = monthPaths(row.paths);
  const billed = Math.max(0, used - PRICING.freePathsPerMonth);
  console.log(
    `${row.name}: ${used} paths a month from an empty month, ${billed} billed, ${formatUsd(billed * PRICING.pricePerPathUsd)}`,
  );
}
