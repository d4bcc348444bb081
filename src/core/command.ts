import { err, ok, type Result } from './result.js';

/** Words that are sub-commands of `/invalidate`, so they can never be distribution aliases. */
export const RESERVED_WORDS = ['help', 'cancel', 'status', 'list', 'usage'] as const;

export type Command =
  | { kind: 'help' }
  | { kind: 'cancel'; requestId: string }
  | { kind: 'invalidate'; target: string; items: string[]; reason?: string };

export type CommandError =
  | { code: 'no_paths'; target: string }
  | { code: 'empty_reason' }
  | { code: 'usage'; command: 'cancel'; expected: string };

const REASON_FLAG = /(?:^|\s)--reason(?:[\s=]|$)/;

/**
 * Parses the text after `/invalidate`: `<alias-or-id> <path> [<path>…] [--reason <text>]`.
 * Paths are separated by spaces, commas or newlines; `--reason` takes the rest of the text.
 * `split` turns the path text into items (see paths.ts), injected to keep this module about grammar only.
 */
export function parseCommand(
  text: string,
  split: (pathText: string) => string[],
): Result<Command, CommandError> {
  const { body, reason } = extractReason(text);
  const trimmed = body.replace(/^[\s,]+|\s+$/g, '');
  if (trimmed === '' && reason === undefined) return ok({ kind: 'help' });
  const [target = '', ...rest] = trimmed.split(/[\s,]+/);
  const words = rest.filter((word) => word !== '');
  if (target.toLowerCase() === 'help' && words.length === 0) return ok({ kind: 'help' });
  if (target.toLowerCase() === 'cancel') {
    const [requestId] = words;
    if (words.length !== 1 || requestId === undefined) {
      return err({ code: 'usage', command: 'cancel', expected: '/invalidate cancel <request-id>' });
    }
    return ok({ kind: 'cancel', requestId: requestId.toUpperCase() });
  }
  if (reason === '') return err({ code: 'empty_reason' });
  const items = split(trimmed.slice(trimmed.indexOf(target) + target.length));
  if (items.length === 0) return err({ code: 'no_paths', target });
  return ok(
    reason === undefined
      ? { kind: 'invalidate', target, items }
      : { kind: 'invalidate', target, items, reason },
  );
}

function extractReason(text: string): { body: string; reason?: string } {
  const match = REASON_FLAG.exec(text);
  if (!match) return { body: text };
  const reason = text
    .slice(match.index + match[0].length)
    .replace(/\s+/g, ' ')
    .trim();
  return { body: text.slice(0, match.index), reason };
}
