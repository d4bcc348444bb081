import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MESSAGE_SHORTCUT } from '../src/adapters/slack/request-form.js';

// ajv is CommonJS: under NodeNext the default import is `module.exports`, whose `default` property is the
// Ajv class (ajv sets `module.exports.default = Ajv`), so take the class from there.
const Ajv = AjvModule.default;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifestFile = path.join(repoRoot, 'manifest.yml');
// Slack's published manifest schema (slackapi/manifest-schema), vendored unchanged; see its README.md.
const schemaDir = path.resolve(repoRoot, '../shared/vendor/slack-manifest-schema');
const schemaDirAbsent = !existsSync(schemaDir);

const EXPECTED_BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'usergroups:read',
  'channels:history',
  'groups:history',
  'im:write',
  'files:write',
  'users:read',
  'users:read.email',
];

interface Manifest {
  features?: {
    slash_commands?: Array<{ command?: string; url?: string }>;
    shortcuts?: Array<{ name?: string; type?: string; callback_id?: string }>;
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: { interactivity?: { is_enabled?: boolean; request_url?: string } };
}

function readManifest(): Manifest {
  return parse(readFileSync(manifestFile, 'utf8')) as Manifest;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8'));
}

/** Every absolute (http/https) `$ref` in a schema, e.g. the versioned schemas the top-level one dispatches to. */
function remoteRefs(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) remoteRefs(item, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && /^https?:\/\//.test(value)) found.add(value);
      else remoteRefs(value, found);
    }
  }
  return found;
}

let validator: ValidateFunction | undefined;

/**
 * Compiles `manifest.schema.json` offline. It dispatches on `_metadata.major_version` (oneOf) to versioned
 * schemas through `$ref`s to public URLs (raw.githubusercontent.com/…/manifest.schema.1.0.0.json, …). The
 * versioned schemas have no `$id`, so each local file is registered under the exact URL the `$ref` uses;
 * their internal `#/definitions/…` refs then resolve against that URL. Nothing is fetched.
 */
function manifestValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({
    allErrors: true,
    // The third-party schema uses keywords strict mode rejects (`_note`, `regex`, …) and `properties`/
    // `required` without `type: object` (strictTypes). Non-standard keywords are therefore ignored.
    strict: false,
    // `format: uri` (only on the optional `$schema` property) needs ajv-formats, which is not installed:
    // formats are not validated.
    validateFormats: false,
  });
  const topLevel = readJson('manifest.schema.json') as Record<string, unknown>;
  const refs = remoteRefs(topLevel);
  expect(refs.size).toBeGreaterThan(0);
  for (const url of refs) {
    ajv.addSchema(readJson(path.posix.basename(new URL(url).pathname)) as Record<string, unknown>, url);
  }
  validator = ajv.compile(topLevel);
  return validator;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
    .join('\n');
}

describe.skipIf(schemaDirAbsent)(
  `manifest.yml against the Slack manifest JSON schema${schemaDirAbsent ? ' (skipped: ../shared/vendor/slack-manifest-schema is absent)' : ''}`,
  () => {
    it('accepts the project manifest', () => {
      const validate = manifestValidator();
      const valid = validate(readManifest());
      expect(valid, `manifest.yml is invalid:\n${describeErrors(validate.errors)}`).toBe(true);
    });

    it('rejects the vendored invalid example and accepts the valid one (the validator can fail)', () => {
      const validate = manifestValidator();

      const validExample = validate(readJson('manifest.valid.json'));
      expect(validExample, describeErrors(validate.errors)).toBe(true);

      expect(validate(readJson('manifest.invalid.json'))).toBe(false);
      // Rejected for the right reason: the unknown `settings.bad_param`.
      expect(validate.errors?.some((error) => error.params.additionalProperty === 'bad_param')).toBe(true);
    });
  },
);

describe('manifest.yml contents', () => {
  it('declares /invalidate, enables interactivity and asks for exactly the bot scopes the code uses', () => {
    const manifest = readManifest();

    const commands = manifest.features?.slash_commands?.map((command) => command.command);
    expect(commands).toEqual(['/invalidate']);
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true);

    const scopes = manifest.oauth_config?.scopes?.bot ?? [];
    expect(new Set(scopes).size).toBe(scopes.length);
    expect([...scopes].sort()).toEqual([...EXPECTED_BOT_SCOPES].sort());
  });

  it('declares the message shortcut the bot listens for', () => {
    const shortcuts = readManifest().features?.shortcuts ?? [];
    expect(shortcuts).toEqual([
      expect.objectContaining({
        name: 'Invalidate message URLs',
        type: 'message',
        callback_id: MESSAGE_SHORTCUT,
      }),
    ]);
  });
});
