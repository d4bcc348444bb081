import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const CORE_DIR = fileURLToPath(new URL('../../src/core/', import.meta.url));

/** Calls that would make the core depend on the clock, randomness or the process. */
const FORBIDDEN: ReadonlyArray<[string, RegExp]> = [
  ['Date.now(', /\bDate\s*\.\s*now\s*\(/],
  // `new Date(x)` is pure arithmetic on its argument; only the argument-less form reads the clock.
  ['new Date()', /\bnew\s+Date\b(?!\s*\(\s*[^\s)])/],
  ['Math.random(', /\bMath\s*\.\s*random\s*\(/],
  ['process.', /\bprocess\s*\./],
];

/**
 * What keeps a core file from being pure: module specifiers that leave the core (packages, `node:`
 * modules, `../`) and forbidden calls. TypeScript's own scanner finds imports, `export … from`,
 * dynamic `import()` and `require()`, multi-line ones included.
 */
function impurities(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const outside = importedFiles
    .map((file) => file.fileName)
    .filter((specifier) => !specifier.startsWith('./'))
    .map((specifier) => `imports ${specifier}`);
  const calls = FORBIDDEN.filter(([, pattern]) => pattern.test(source)).map(([name]) => `uses ${name}`);
  return [...outside, ...calls];
}

function coreFiles(): string[] {
  return readdirSync(CORE_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

describe('the core stays pure', () => {
  it('finds the core modules to check', () => {
    expect(coreFiles()).toEqual(
      expect.arrayContaining(['command.ts', 'cost.ts', 'paths.ts', 'policy.ts', 'request.ts', 'schedule.ts']),
    );
  });

  it.each(coreFiles())('keeps src/core/%s free of outside imports, clock, randomness and process', (file) => {
    expect(impurities(readFileSync(join(CORE_DIR, file), 'utf8'))).toEqual([]);
  });
});

describe('the purity check', () => {
  it.each([
    ['a package import', "import { z } from 'zod';", 'imports zod'],
    [
      'a type-only package import',
      "import type { Foo } from '@aws-sdk/client-cloudfront';",
      'imports @aws-sdk/client-cloudfront',
    ],
    ['a node: import', "import { randomUUID } from 'node:crypto';", 'imports node:crypto'],
    ['a bare Node built-in', 'import fs from "fs";', 'imports fs'],
    [
      'an import from outside the core',
      "import { ok } from '../usecases/ports.js';",
      'imports ../usecases/ports.js',
    ],
    ['a multi-line import', "import {\n  a,\n  b,\n} from\n  '../config.js';", 'imports ../config.js'],
    ['a side-effect import', "import 'dotenv/config';", 'imports dotenv/config'],
    ['a re-export', "export { parse } from 'yaml';", 'imports yaml'],
    [
      'a star re-export',
      "export * from '../adapters/slack/blocks.js';",
      'imports ../adapters/slack/blocks.js',
    ],
    ['a dynamic import', "const sdk = await import('@slack/bolt');", 'imports @slack/bolt'],
    ['a require call', "const fs = require('node:fs');", 'imports node:fs'],
    ['Date.now()', 'const now = Date.now();', 'uses Date.now('],
    ['new Date()', 'const now = new Date().toISOString();', 'uses new Date()'],
    ['new Date( ) with spaces', 'const now = new Date( );', 'uses new Date()'],
    ['new Date without parentheses', 'const now = new Date;', 'uses new Date()'],
    ['Math.random()', 'const jitter = Math.random() * 10;', 'uses Math.random('],
    ['process.env', 'const table = process.env.TABLE_NAME;', 'uses process.'],
    ['process.hrtime', 'const t = process.hrtime.bigint();', 'uses process.'],
  ])('flags %s', (_, source, problem) => {
    expect(impurities(source)).toContain(problem);
  });

  it.each([
    ['a relative import inside the core', "import { ok, type Result } from './result.js';"],
    ['a type-only relative import', "import type { Pricing } from './cost.js';"],
    ['a relative re-export', "export { isWildcard } from './paths.js';"],
    ['a date built from a given time', 'return new Date(Date.parse(isoTime) + ms).toISOString();'],
    ['Date.parse', 'const at = Date.parse(iso);'],
    ['Math.max and Math.floor', 'const n = Math.max(0, Math.floor(x));'],
    ['a word merely containing process', 'const preprocessed = preprocess(text);'],
  ])('accepts %s', (_, source) => {
    expect(impurities(source)).toEqual([]);
  });
});
