import { createHash, timingSafeEqual } from 'node:crypto';
import type { PipelineConfig } from '../../config.js';

/** What every pipeline token starts with: recognisable in a secret scanner's rules and in a CI secret. */
export const TOKEN_PREFIX = 'inv_';

/** How many random bytes a token carries: 256 bits, beyond guessing. */
export const TOKEN_BYTES = 32;

/**
 * The longest bearer token looked at. Tokens `npm run token` makes are 47 characters; anything far longer
 * is refused before it is hashed, so a huge header costs no hashing work.
 */
export const MAX_TOKEN_LENGTH = 512;

/** A pipeline token made from `random` (TOKEN_BYTES random bytes): the prefix, then base64url. */
export function tokenFrom(random: Uint8Array): string {
  return `${TOKEN_PREFIX}${Buffer.from(random).toString('base64url')}`;
}

/** The lowercase hex SHA-256 of a token's UTF-8 bytes: what the config's `tokenSha256` holds. */
export function tokenSha256(token: string): string {
  return sha256(token).toString('hex');
}

/**
 * The pipeline whose configured `tokenSha256` is the presented token's hash, or undefined. The hash is
 * compared with every configured one in constant time, with no early exit on a match, so the answer's
 * timing says neither which pipeline matched nor how much of a hash did.
 */
export function pipelineForToken(
  pipelines: readonly PipelineConfig[],
  token: string,
): PipelineConfig | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  const presented = sha256(token);
  let found: PipelineConfig | undefined;
  for (const pipeline of pipelines) {
    const configured = Buffer.from(pipeline.tokenSha256, 'hex');
    // Always 32 bytes once the config is parsed; timingSafeEqual throws on unequal lengths.
    const same = configured.length === presented.length && timingSafeEqual(configured, presented);
    if (same && found === undefined) found = pipeline;
  }
  return found;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
