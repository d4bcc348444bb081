import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/entrypoints/load-config.js';

export const DEFAULT_CONFIG = 'invalidator.config.yml';
export const EXAMPLE_CONFIG = 'invalidator.config.example.yml';

/**
 * The policy file the functions will read, checked at synth time by the bot's own parser, so a file the
 * bot would refuse fails `cdk synth` instead of every cold start. Its distribution ids scope the IAM policy.
 * `allowExample`: without a file of one's own, synthesize with the example (for a first look, never deploy).
 */
export async function readPolicyFile(
  env: Record<string, string | undefined>,
  options: { allowExample: boolean; warn: (message: string) => void },
): Promise<{ path: string; distributionIds: string[] }> {
  let path = env.INVALIDATOR_CONFIG || DEFAULT_CONFIG;
  if (!env.INVALIDATOR_CONFIG && !existsSync(path) && options.allowExample) {
    options.warn(`${DEFAULT_CONFIG} not found: synthesizing with ${EXAMPLE_CONFIG}, whose ids are examples`);
    path = EXAMPLE_CONFIG;
  }
  // Only the file is of interest here; the Slack values are the secret's, read by the functions.
  const config = await loadConfig({
    INVALIDATOR_CONFIG: path,
    SLACK_BOT_TOKEN: 'xoxb-synth-placeholder',
    SLACK_SIGNING_SECRET: 'synth-placeholder',
    TABLE_NAME: 'synth-placeholder',
  });
  const distributionIds = [...new Set(config.policy.distributions.map((distribution) => distribution.id))];
  return { path: resolve(path), distributionIds };
}
