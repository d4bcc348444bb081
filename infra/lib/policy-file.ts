import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type PolicyConfig, parsePolicyFile } from '../../src/config.js';
import { DEFAULT_CONFIG_FILE, readConfigFileAt } from '../../src/config-file.js';

export const EXAMPLE_CONFIG = 'invalidator.config.example.yml';

/** A policy file read and checked by the bot's own parser, with what it means for the AWS resources. */
export interface LoadedPolicyFile {
  /** absolute path: the file shipped next to both handlers */
  path: string;
  policy: PolicyConfig;
  /** the CloudFront distributions it names (`id` and every `ids`), each once: the only ones the bot may touch */
  distributionIds: string[];
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
  const policy = parsePolicyFile(readConfigFileAt(path, `copy ${EXAMPLE_CONFIG} to ${path} and edit it`));
  return {
    path: resolve(path),
    policy,
    distributionIds: distributionIdsOf(policy),
    tenantIds: tenantIdsOf(policy),
  };
}

/** The distribution ids a policy names, each once and in file order. */
export function distributionIdsOf(policy: PolicyConfig): string[] {
  return [...new Set(policy.distributions.flatMap((distribution) => distribution.ids ?? [distribution.id]))];
}

/** The distribution tenants a policy names, each once and in file order. */
export function tenantIdsOf(policy: PolicyConfig): string[] {
  return [...new Set(policy.distributions.flatMap((distribution) => distribution.tenant ?? []))];
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
): Promise<{ path: string; distributionIds: string[] }> {
  const { path, distributionIds } = loadPolicyFile(policyFilePath(env, options));
  return { path, distributionIds };
}
