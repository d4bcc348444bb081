import type { Logger } from '../../usecases/ports.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

// Slack tokens (xoxb-, xoxp-, xapp-, …) look alike everywhere; anything shaped like one is hidden.
const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;

/**
 * One JSON object per line on stdout. Every value passes through `redact`, which removes the configured
 * secrets and anything shaped like a Slack token, so secrets never reach a log line.
 */
export function createLogger(options: {
  level: LogLevel;
  secrets: readonly string[];
  write?: (line: string) => void;
}): Logger {
  const threshold = LEVELS[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const redact = redactor(options.secrets);
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const entry = { time: new Date().toISOString(), level, message, ...serialisable(fields) };
    write(redact(JSON.stringify(entry)));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export function redactor(secrets: readonly string[]): (text: string) => string {
  const known = secrets.filter((secret) => secret.length >= 8);
  return (text) => {
    let result = text.replace(TOKEN_PATTERN, '[redacted]');
    for (const secret of known) result = result.split(secret).join('[redacted]');
    return result;
  };
}

function serialisable(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[key] = value instanceof Error ? errorFields(value) : value;
  return out;
}

function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  if ('code' in error) fields.code = error.code;
  if (error.cause instanceof Error) fields.cause = { name: error.cause.name, message: error.cause.message };
  return fields;
}
