import { randomBytes } from 'node:crypto';
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
