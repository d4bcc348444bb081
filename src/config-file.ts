import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from './config.js';

/** The policy file as read: its path as given, and its YAML parsed to a value (not yet validated). */
export interface ConfigFile {
  path: string;
  content: unknown;
}

/** The file every runtime reads when INVALIDATOR_CONFIG is unset. */
export const DEFAULT_CONFIG_FILE = 'invalidator.config.yml';

/**
 * Reads a policy file and parses its YAML, synchronously: the bot at start and the CDK construct (built
 * synchronously) read it the same way. `missingHint` ends the message for a file that does not exist.
 * Throws a ConfigError.
 */
export function readConfigFileAt(path: string, missingHint: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError([
      missing
        ? `config file ${path} not found: ${missingHint}`
        : `config file ${path} could not be read: ${(error as Error).message}`,
    ]);
  }
  try {
    return { path, content: parse(text) };
  } catch (error) {
    throw new ConfigError([`${path}: not valid YAML: ${(error as Error).message}`]);
  }
}
