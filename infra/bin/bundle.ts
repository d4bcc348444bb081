// `npm run bundle`: the two Lambda handlers into dist/lambda/{slack,worker}/ (index.mjs and the policy file),
// by the same esbuild call the stack's asset bundling makes (infra/lib/bundle.ts).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config.js';
import { bundleHandler, HANDLERS, type HandlerName, REPO_ROOT } from '../lib/bundle.js';
import { readPolicyFile } from '../lib/policy-file.js';

const BUNDLE_DIR = join(REPO_ROOT, 'dist/lambda');

try {
  const policy = await readPolicyFile(process.env, {
    allowExample: true,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const outDir = join(BUNDLE_DIR, name);
    bundleHandler(name, outDir, policy.path);
    const bytes = statSync(join(outDir, 'index.mjs')).size;
    process.stdout.write(`${join('dist/lambda', name, 'index.mjs')}: ${(bytes / 1024).toFixed(0)} KiB\n`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
