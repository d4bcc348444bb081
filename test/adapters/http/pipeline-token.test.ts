import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  pipelineForToken,
  TOKEN_BYTES,
  tokenFrom,
  tokenSha256,
} from '../../../src/adapters/http/pipeline-token.js';
import type { PipelineConfig } from '../../../src/config.js';

const pipeline = (name: string, token: string): PipelineConfig => ({
  name,
  tokenSha256: tokenSha256(token),
  distributions: ['E2ABCDEF123XYZ'],
  channel: 'C0123DEPLOY',
});

const PIPELINES = [pipeline('web-deploy', 'inv_web'), pipeline('docs-deploy', 'inv_docs')];

describe('tokenSha256', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 bytes', () => {
    expect(tokenSha256('test')).toBe('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(tokenSha256('é')).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex'),
    );
  });
});

describe('tokenFrom', () => {
  it('is the prefix and the random bytes in base64url', () => {
    const token = tokenFrom(new Uint8Array(TOKEN_BYTES).fill(0xff));
    expect(token).toBe(`inv_${'_'.repeat(42)}8`);
    expect(token).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
  });
});

describe('pipelineForToken', () => {
  it.each([
    ['the first pipeline', 'inv_web', 'web-deploy'],
    ['the second pipeline', 'inv_docs', 'docs-deploy'],
  ])('finds %s by its token', (_, token, name) => {
    expect(pipelineForToken(PIPELINES, token)?.name).toBe(name);
  });

  it.each([
    ['an unknown token', 'inv_other'],
    ['a token in another case', 'INV_WEB'],
    ['a token with a space after it', 'inv_web '],
    ['an empty token', ''],
    ['the hash instead of the token', tokenSha256('inv_web')],
  ])('finds nothing for %s', (_, token) => {
    expect(pipelineForToken(PIPELINES, token)).toBeUndefined();
  });

  it('finds nothing when no pipeline is configured', () => {
    expect(pipelineForToken([], 'inv_web')).toBeUndefined();
  });

  it(`refuses a token over ${MAX_TOKEN_LENGTH} characters even when its hash is configured`, () => {
    const longest = 'x'.repeat(MAX_TOKEN_LENGTH);
    const tooLong = 'x'.repeat(MAX_TOKEN_LENGTH + 1);
    const pipelines = [pipeline('longest', longest), pipeline('too-long', tooLong)];
    expect(pipelineForToken(pipelines, longest)?.name).toBe('longest');
    expect(pipelineForToken(pipelines, tooLong)).toBeUndefined();
  });

  it('compares with every configured hash, even after a match', () => {
    const read: string[] = [];
    const watched = PIPELINES.map((configured) => ({
      ...configured,
      get tokenSha256() {
        read.push(configured.name);
        return configured.tokenSha256;
      },
    }));
    expect(pipelineForToken(watched, 'inv_web')?.name).toBe('web-deploy');
    expect(read).toEqual(['web-deploy', 'docs-deploy']);
  });

  it('does not throw on a configured hash of the wrong length', () => {
    const broken = { ...pipeline('broken', 'inv_web'), tokenSha256: 'abcd' };
    expect(pipelineForToken([broken, ...PIPELINES], 'inv_web')?.name).toBe('web-deploy');
  });
});
