import type { Ids, Logger } from '../../src/usecases/ports.js';

/**
 * The small parts every use-case test built on dynalite gives its services: a logger that writes
 * nothing, ids counted as the bot would make them, and a directory without user groups.
 */

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Ids in the bot's own shapes, numbered from one counter: `INV-0000000001`, then `REF-0000000002`, … */
export function countingIds(): Ids {
  let issued = 0;
  const next = (prefix: string) => `${prefix}-${String(++issued).padStart(10, '0')}`;
  return { requestId: () => next('INV'), refusalId: () => next('REF'), random: () => 0.5 };
}

/** A directory where every user group resolves, and has no members. */
export const noGroups = {
  members: async () => [],
  confirm: async () => ({ ok: true as const, members: [] }),
};
