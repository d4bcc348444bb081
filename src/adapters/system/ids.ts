import { createHash, randomBytes } from 'node:crypto';
import type { Ids } from '../../usecases/ports.js';

// Crockford's base32 without I, L, O, U: easy to read aloud and to type in `/invalidate status <id>`.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Request ids are `INV-` and 10 random base32 characters (50 bits): short enough to type, unique enough
 * to serve as CloudFront's CallerReference for the life of an account. Recorded refusals get `REF-` ids
 * made the same way.
 */
export const randomIds: Ids = {
  requestId: () => randomId('INV-'),
  refusalId: () => randomId('REF-'),
  random: () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48,
};

function randomId(prefix: string): string {
  let id = prefix;
  for (const byte of randomBytes(10)) id += ALPHABET[byte & 31];
  return id;
}

/**
 * An id derived from `parts` rather than drawn: `prefix` and 10 base32 characters of their SHA-256, so
 * whoever derives it again (a retry after a crash) names the same thing, and a conditional create makes
 * it once. Same shape as a random id (a proposal's maps to its request's by the prefix alone).
 */
export function derivedId(prefix: string, parts: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
  let id = prefix;
  for (const byte of digest.subarray(0, 10)) id += ALPHABET[byte & 31];
  return id;
}
