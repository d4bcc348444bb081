import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { type PolicyConfig, parsePolicyFile } from '../../src/config.js';
import { DEFAULT_CONFIG_FILE, readConfigFileAt } from '../../src/config-file.js';

export const EXAMPLE_CONFIG = 'invalidator.config.example.yml';

/** A policy file read and checked by the bot's own parser, with what it means for the AWS resources. */
export interface LoadedPolicyFile {
  /** absolute path: the file shipped next to both handlers */
  path: string;
  policy: PolicyConfig;
  /**
   * the CloudFront distributions in the bot's own account (`id` and every `ids` of entries without
   * `roleArn`), each once: the only ones its own role may touch
   */
  distributionIds: string[];
  /** the roles of the distributions in other accounts, each once: the only ones the bot may assume */
  roleArns: string[];
  /** whether the bot reconciles usage (`reconciliation.enabled`, on by default) */
  reconciliation: boolean;
  /** the distribution tenants it names (`tenant`), each once */
  tenantIds: string[];
}

/**
 * Reads and checks a policy file, synchronously (a construct is built synchronously), so a file the bot
 * would refuse fails `cdk synth` or `npm run iam-policy` with the bot's own messages instead of every cold
 * start. Only the file is read: the Slack values are the secret's, read by the functions.
 * Throws a ConfigError.
 */
export function loadPolicyFile(path: string): LoadedPolicyFile {
  const file = readConfigFileAt(path, `copy ${EXAMPLE_CONFIG} to ${path} and edit it`);
  const policy = parsePolicyFile(file);
  return {
    path: resolve(path),
    policy,
    distributionIds: distributionIdsOf(policy),
    roleArns: roleArnsOf(policy),
    reconciliation: reconciliationOf(file.content),
    tenantIds: tenantIdsOf(policy),
  };
}

/** `reconciliation.enabled` of a file the parser accepted (so a boolean when present); on by default. */
function reconciliationOf(content: unknown): boolean {
  const parsed = z
    .looseObject({ reconciliation: z.looseObject({ enabled: z.boolean().optional() }).optional() })
    .safeParse(content);
  return !parsed.success || parsed.data.reconciliation?.enabled !== false;
}

/** The ids of the distributions the bot reaches with its own credentials, each once and in file order. */
export function distributionIdsOf(policy: PolicyConfig): string[] {
  return [
    ...new Set(
      policy.distributions
        .filter((d) => d.roleArn === undefined)
        .flatMap((distribution) => distribution.ids ?? [distribution.id]),
    ),
  ];
}

/** The roles a policy names, each once and in file order. */
export function roleArnsOf(policy: PolicyConfig): string[] {
  return [...new Set(policy.distributions.flatMap((d) => (d.roleArn === undefined ? [] : [d.roleArn])))];
}

/** The distribution tenants of the bot's own account, each once and in file order. */
export function tenantIdsOf(policy: PolicyConfig): string[] {
  // A tenant reached through a role is granted in its own account (iam-policy --target), not here.
  return [
    ...new Set(
      policy.distributions.flatMap((distribution) =>
        distribution.roleArn === undefined && distribution.tenant !== undefined ? [distribution.tenant] : [],
      ),
    ),
  ];
}

/**
 * Which policy file to use, as the bot picks it: INVALIDATOR_CONFIG, else invalidator.config.yml.
 * `allowExample`: without a file of one's own, use the example (for a first look, never deploy).
 */
export function policyFilePath(
  env: Record<string, string | undefined>,
  options: { allowExample: boolean; warn: (message: string) => void },
): string {
  const path = env.INVALIDATOR_CONFIG || DEFAULT_CONFIG_FILE;
  if (!env.INVALIDATOR_CONFIG && !existsSync(path) && options.allowExample) {
    options.warn(
      `${DEFAULT_CONFIG_FILE} not found: synthesizing with ${EXAMPLE_CONFIG}, whose ids are examples`,
    );
    return EXAMPLE_CONFIG;
  }
  return path;
}

/**
 * The policy file the functions will read (see policyFilePath), read and checked (see loadPolicyFile).
 * Rejects with a ConfigError.
 */
export async function readPolicyFile(
  env: Record<string, string | undefined>,
  options: { allowExample: boolean; warn: (message: string) => void },
): Promise<{ path: string; distributionIds: string[]; roleArns: string[] }> {
  const { path, distributionIds, roleArns } = loadPolicyFile(policyFilePath(env, options));
  return { path, distributionIds, roleArns };
}
