import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../src/adapters/aws/dynamodb/ensure-table.js';
import { openStores } from '../../src/adapters/aws/dynamodb/stores.js';
import { findDistribution, parsePolicyFile } from '../../src/config.js';
import type { Ids, Logger } from '../../src/usecases/ports.js';
import { prepareInvalidation, recordRequest } from '../../src/usecases/request-invalidation.js';

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

/**
 * A table of its own in dynalite, its stores, the policy file read as the bot reads it, and the services
 * recordRequest takes, with the clock standing at `now`.
 */
export async function recordingServices(
  client: DynamoDBClient,
  table: string,
  file: Record<string, unknown>,
  now: string,
) {
  await ensureTable(client, table);
  const stores = openStores(client, table);
  const policy = parsePolicyFile({ path: 'invalidator.config.yml', content: file });
  const services = {
    ...stores,
    policy,
    clock: { now: () => now },
    ids: countingIds(),
    logger: silentLogger,
    directory: noGroups,
  };
  return { stores, policy, services };
}

/** Records `paths` on `alias` as `/invalidate <alias> <paths…>` by U0DEV in C0123DEPLOY would. */
export function recordPaths(
  services: Parameters<typeof recordRequest>[0],
  alias: string,
  paths: string[],
): ReturnType<typeof recordRequest> {
  const distribution = findDistribution(services.policy, alias);
  if (!distribution) throw new Error(`no distribution ${alias} in the test's policy file`);
  const prepared = prepareInvalidation(
    services.policy,
    distribution,
    paths,
    undefined,
    `${alias} ${paths.join(' ')}`,
  );
  if (!prepared.ok) throw new Error('the paths are valid');
  return recordRequest(services, prepared.value, 'U0DEV', 'C0123DEPLOY');
}
