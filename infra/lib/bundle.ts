import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync } from 'esbuild';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The two Lambda handlers, each bundled on its own (`index.mjs`, exporting `handler`). */
export const HANDLERS = {
  slack: join(REPO_ROOT, 'src/entrypoints/lambda-slack.ts'),
  worker: join(REPO_ROOT, 'src/entrypoints/lambda-worker.ts'),
} as const;

export type HandlerName = keyof typeof HANDLERS;

/** The bundled policy file's name, next to the handler; INVALIDATOR_CONFIG points at it on Lambda. */
export const BUNDLED_CONFIG = 'invalidator.config.yml';

/**
 * esbuild options for a handler on Lambda's Node.js 22 runtime (arm64 or x86_64 alike: the bundle is plain
 * JavaScript). ESM output, with `require` defined for the CommonJS packages inside (Bolt, the Slack SDK).
 * The AWS SDK is bundled too, at the versions package-lock.json pins, rather than the runtime's copy.
 * https://docs.aws.amazon.com/lambda/latest/dg/typescript-package.html
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    // Error and class names stay readable in the logs.
    keepNames: true,
    legalComments: 'none',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // The embedded store (dynalite on LevelDB, a native module) serves `npm start` without TABLE_NAME; on
    // Lambda the table is always the stack's, so a stub stands in and LevelDB stays out of the bundle.
    alias: { dynalite: join(REPO_ROOT, 'infra/lib/dynalite-stub.ts') },
    logLevel: 'error',
  };
}

/**
 * Bolt's entry point and its App load every receiver Bolt has, and with them Express, OAuth, the Socket Mode
 * client (with undici) and raw-body (with iconv-lite's character-set tables): about half of a bare Bolt
 * bundle, none of which runs on Lambda, where the app brings its own AwsLambdaReceiver. In the handlers'
 * bundles those packages resolve to infra/lib/bolt-absent.ts, which throws if anything ever uses one.
 */
export const ABSENT_ON_LAMBDA = ['@slack/oauth', '@slack/socket-mode', 'express', 'raw-body'] as const;

/** The options for the bot's handlers: esbuildOptions, less what Bolt carries for servers only. */
export function handlerOptions(entry: string, outfile: string): BuildOptions {
  const options = esbuildOptions(entry, outfile);
  const absent = join(REPO_ROOT, 'infra/lib/bolt-absent.ts');
  return {
    ...options,
    alias: { ...options.alias, ...Object.fromEntries(ABSENT_ON_LAMBDA.map((name) => [name, absent])) },
  };
}

/**
 * Bundles one handler into `outDir` (index.mjs) with the policy file beside it. Used by `npm run bundle`
 * and by the stack's asset bundling, so what is deployed is what was built and tested.
 */
export function bundleHandler(name: HandlerName, outDir: string, configPath: string): void {
  mkdirSync(outDir, { recursive: true });
  buildSync(handlerOptions(HANDLERS[name], join(outDir, 'index.mjs')));
  copyFileSync(configPath, join(outDir, BUNDLED_CONFIG));
}
