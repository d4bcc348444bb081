import { isHttpUrl } from './paths.js';
import { err, ok, type Result } from './result.js';

/** Words that are sub-commands of `/invalidate`, so they can never be distribution aliases. */
export const RESERVED_WORDS = ['help', 'cancel', 'status', 'list', 'usage', 'export'] as const;

export type Command =
  | { kind: 'help' }
  | { kind: 'cancel'; requestId: string }
  | { kind: 'status'; requestId: string }
  | { kind: 'list'; target?: string; mine: boolean }
  | { kind: 'usage'; month?: string }
  /** the month's audit export as a file; the current UTC month when no month is given */
  | { kind: 'export'; month?: string; format: ExportFormat }
  /** `target` is absent when the text starts with a URL: its host names the distribution */
  | { kind: 'invalidate'; target?: string; items: string[]; reason?: string };

export type ExportFormat = 'csv' | 'json';

export type CommandError =
  | { code: 'no_paths'; target: string }
  | { code: 'empty_reason' }
  | { code: 'reason_too_long'; length: number; max: number }
  /** one word where a request id goes, but not one the bot could have made (`typed` as given) */
  | { code: 'bad_request_id'; command: 'cancel' | 'status'; typed: string }
  | { code: 'usage'; command: keyof typeof USAGE; expected: string }
  /** a word after `export` that is neither a month nor a format (`typed` as given) */
  | { code: 'bad_export_word'; typed: string; expected: string };

const USAGE = {
  cancel: '/invalidate cancel <request-id>',
  status: '/invalidate status <request-id>',
  list: '/invalidate list [<distribution>] [mine]',
  usage: '/invalidate usage [YYYY-MM]',
  export: '/invalidate export [YYYY-MM] [csv|json]',
} as const;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/**
 * Request ids as the bot makes them: `INV-` and 10 base32 characters. Anything else cannot name a request,
 * and must not reach the store as a key (DynamoDB refuses keys over 2,048 bytes).
 */
const REQUEST_ID = /^INV-[0-9A-Z]{10}$/;
const REASON_FLAG = /(?:^|\s)--reason(?:[\s=]|$)/;
/**
 * A reason is a sentence or two for the audit trail. It is stored with the request and its first event, in
 * one DynamoDB item of at most 400 KB, so an unbounded one could make a request impossible to record.
 */
export const MAX_REASON_LENGTH = 1000;

/**
 * Parses the text after `/invalidate`: `[<alias-or-id>] <path-or-url> […] [--reason <text>]`; the alias
 * may be left out when the first item is a URL (its host names the distribution).
 * Paths are separated by spaces, commas or newlines; `--reason` takes the rest of the text.
 * `split` turns the path text into items (see paths.ts), injected to keep this module about grammar only.
 */
export function parseCommand(
  text: string,
  split: (pathText: string) => string[],
): Result<Command, CommandError> {
  const { body, reason } = extractReason(text);
  // trimEnd, not a `\s+$` regex: that one backtracks quadratically over a long run of inner whitespace.
  const trimmed = body.trimEnd().replace(/^[\s,]+/, '');
  if (trimmed === '' && reason === undefined) return ok({ kind: 'help' });
  const [target = '', ...rest] = trimmed.split(/[\s,]+/);
  const words = rest.filter((word) => word !== '');
  if (target.toLowerCase() === 'help' && words.length === 0) return ok({ kind: 'help' });
  const subcommand = parseSubcommand(target.toLowerCase(), words);
  if (subcommand) return subcommand;
  if (reason === '') return err({ code: 'empty_reason' });
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH)
    return err({ code: 'reason_too_long', length: reason.length, max: MAX_REASON_LENGTH });
  if (startsWithUrl(target)) {
    const items = split(trimmed);
    return ok(reason === undefined ? { kind: 'invalidate', items } : { kind: 'invalidate', items, reason });
  }
  const items = split(trimmed.slice(trimmed.indexOf(target) + target.length));
  if (items.length === 0) return err({ code: 'no_paths', target });
  return ok(
    reason === undefined
      ? { kind: 'invalidate', target, items }
      : { kind: 'invalidate', target, items, reason },
  );
}

/** `cancel`, `status`, `list`, `usage` and `export`; undefined when `word` is none of them (then it is a distribution). */
function parseSubcommand(word: string, args: readonly string[]): Result<Command, CommandError> | undefined {
  const usage = (command: keyof typeof USAGE) =>
    err({ code: 'usage' as const, command, expected: USAGE[command] });
  switch (word) {
    case 'cancel':
    case 'status': {
      const [typed] = args;
      if (args.length !== 1 || typed === undefined) return usage(word);
      const requestId = typed.toUpperCase();
      if (!REQUEST_ID.test(requestId)) return err({ code: 'bad_request_id', command: word, typed });
      return ok({ kind: word, requestId });
    }
    case 'list': {
      const mine = args.some((arg) => arg.toLowerCase() === 'mine');
      const others = args.filter((arg) => arg.toLowerCase() !== 'mine');
      if (others.length > 1) return usage('list');
      return ok(others[0] === undefined ? { kind: 'list', mine } : { kind: 'list', target: others[0], mine });
    }
    case 'usage': {
      const [month] = args;
      if (args.length > 1 || (month !== undefined && !MONTH.test(month))) return usage('usage');
      return ok(month === undefined ? { kind: 'usage' } : { kind: 'usage', month });
    }
    case 'export':
      return parseExport(args);
    default:
      return undefined;
  }
}

/** `export [YYYY-MM] [csv|json]`, the two words in either order, each at most once; csv by default. */
function parseExport(args: readonly string[]): Result<Command, CommandError> {
  const formatOf = (word: string) => EXPORT_FORMATS.find((format) => format === word.toLowerCase());
  const other = args.find((arg) => !MONTH.test(arg) && formatOf(arg) === undefined);
  if (other !== undefined) return err({ code: 'bad_export_word', typed: other, expected: USAGE.export });
  const months = args.filter((arg) => MONTH.test(arg));
  const formats = args.flatMap((arg) => formatOf(arg) ?? []);
  if (months.length > 1 || formats.length > 1)
    return err({ code: 'usage', command: 'export', expected: USAGE.export });
  const [month] = months;
  const format = formats[0] ?? 'csv';
  return ok(month === undefined ? { kind: 'export', format } : { kind: 'export', month, format });
}

/** A bare URL, or one Slack wrapped as `<url>` / `<url|label>`. */
function startsWithUrl(word: string): boolean {
  return isHttpUrl(word.startsWith('<') ? word.slice(1) : word);
}

function extractReason(text: string): { body: string; reason?: string } {
  const match = REASON_FLAG.exec(text);
  if (!match) return { body: text };
  // The reason is kept as typed (new lines too): it is what the audit trail shows.
  const reason = text.slice(match.index + match[0].length).trim();
  return { body: text.slice(0, match.index), reason };
}
