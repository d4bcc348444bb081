import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Relative modules a file loads when it is loaded: static value imports and re-exports, not `import type` nor `import()`. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly;
    const isExport = ts.isExportDeclaration(statement) && !statement.isTypeOnly;
    const specifier = (isImport || isExport) && statement.moduleSpecifier;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.'))
      found.push(join(dirname(file), specifier.text.replace(/\.js$/, '.ts')));
  }
  return found;
}

function loadedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of staticImports(file)) visit(next);
  };
  visit(join(SRC, entry));
  return new Set([...seen].map((file) => relative(SRC, file)));
}

describe('what a bot connected to Slack loads', () => {
  it('loads neither the playground nor the stand-ins: they come with the playground, on demand', () => {
    const loaded = loadedFrom('entrypoints/server.ts');
    expect(loaded.has('compose/server.ts')).toBe(true);
    expect(loaded.has('playground/wants.ts')).toBe(true);
    const extra = [...loaded].filter(
      (file) =>
        (file.startsWith('playground/') && file !== 'playground/wants.ts') || file.startsWith('standins/'),
    );
    expect(extra).toEqual([]);
  });

  it('would notice a static import of the playground (the check itself can fail)', () => {
    const loaded = loadedFrom('playground/start.ts');
    expect([...loaded].filter((file) => file.startsWith('standins/')).length).toBeGreaterThan(0);
  });
});
