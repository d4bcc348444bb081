import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { type Config, ConfigError, environmentProblems, parseConfig } from '../config.js';

/** Reads `INVALIDATOR_CONFIG` (default invalidator.config.yml) and the environment; throws ConfigError. */
export async function loadConfig(env: Record<string, string | undefined>): Promise<Config> {
  let file: { path: string; content: unknown };
  try {
    file = await readConfigFile(env);
  } catch (error) {
    // Every problem at once: a missing file does not hide a missing token.
    if (error instanceof ConfigError) throw new ConfigError([...environmentProblems(env), ...error.problems]);
    throw error;
  }
  return parseConfig(env, file);
}

/** The policy file, read and parsed as YAML (not yet validated); throws ConfigError. */
export async function readConfigFile(
  env: Record<string, string | undefined>,
): Promise<{ path: string; content: unknown }> {
  const path = env.INVALIDATOR_CONFIG || 'invalidator.config.yml';
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError([
      missing
        ? `config file ${path} not found: copy invalidator.config.example.yml to ${path} and edit it, or set INVALIDATOR_CONFIG`
        : `config file ${path} could not be read: ${(error as Error).message}`,
    ]);
  }
  let content: unknown;
  try {
    content = parse(text);
  } catch (error) {
    throw new ConfigError([`${path}: not valid YAML: ${(error as Error).message}`]);
  }
  return { path, content };
}
