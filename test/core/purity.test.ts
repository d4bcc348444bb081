import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
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
 * modules, relative paths that climb out of `src/core/`) and forbidden calls. `file` is the module's path
 * inside the core, which relative specifiers are resolved against. TypeScript's own scanner finds imports,
 * `export … from`, dynamic `import()` and `require()`, multi-line ones included.
 */
function impurities(source: string, file = 'module.ts'): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const outside = importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => !staysInCore(specifier, file))
    .map((specifier) => `imports ${specifier}`);
  const calls = FORBIDDEN.filter(([, pattern]) => pattern.test(source)).map(([name]) => `uses ${name}`);
  return [...outside, ...calls];
}

function staysInCore(specifier: string, file: string): boolean {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
  return !resolved.startsWith('../');
}

function coreFiles(): string[] {
  return readdirSync(CORE_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

describe('the core stays pure', () => {
  it('finds the core modules to check', () => {
    expect(coreFiles()).toEqual(
      expect.arrayContaining([
        'command.ts',
        'cost.ts',
        'paths.ts',
        'policy.ts',
        'request.ts',
        'schedule.ts',
        'request/model.ts',
      ]),
    );
  });

  it.each(coreFiles())('keeps src/core/%s free of outside imports, clock, randomness and process', (file) => {
    expect(impurities(readFileSync(join(CORE_DIR, file), 'utf8'), file)).toEqual([]);
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
    ['an import climbing out of the core', "import { ok } from '../../usecases/ports.js';"],
    ['a re-export climbing out of the core', "export * from '../../config.js';"],
  ])('flags %s from a folder inside the core', (_, source) => {
    expect(impurities(source, 'request/model.ts')).toHaveLength(1);
  });

  it('accepts an import of a core module from a folder inside the core', () => {
    expect(impurities("import { addMs } from '../schedule.js';", 'request/model.ts')).toEqual([]);
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
