import type * as z from 'zod';
import {
  type Config,
  ConfigError,
  environmentProblems,
  NO_RUNTIME_VARIABLES,
  parseRuntimeConfig,
} from '../config.js';
import { type ConfigFile, DEFAULT_CONFIG_FILE, readConfigFileAt } from '../config-file.js';

/**
 * Reads `INVALIDATOR_CONFIG` (default invalidator.config.yml) and the environment, with the variables only
 * this runtime reads (`runtime`, e.g. Lambda's), in one parse; throws a ConfigError listing every problem.
 */
export async function loadConfig<T extends object = Record<never, never>>(
  env: Record<string, string | undefined>,
  runtime: z.ZodType<T> = NO_RUNTIME_VARIABLES as unknown as z.ZodType<T>,
): Promise<Config & T> {
  let file: ConfigFile;
  try {
    file = await readConfigFile(env);
  } catch (error) {
    // Every problem at once: a missing file does not hide a missing token.
    if (error instanceof ConfigError) {
      throw new ConfigError([...environmentProblems(env, runtime), ...error.problems]);
    }
    throw error;
  }
  return parseRuntimeConfig(runtime, env, file);
}

/** The policy file, read and parsed as YAML (not yet validated); rejects with a ConfigError. */
export async function readConfigFile(env: Record<string, string | undefined>): Promise<ConfigFile> {
  const path = env.INVALIDATOR_CONFIG || DEFAULT_CONFIG_FILE;
  return readConfigFileAt(
    path,
    `copy invalidator.config.example.yml to ${path} and edit it, or set INVALIDATOR_CONFIG`,
  );
}
