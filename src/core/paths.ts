// Rules follow "Specifying the objects to invalidate" in the CloudFront Developer Guide:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html#invalidation-specifying-objects

export type PathProblemCode =
  | 'missing_leading_slash'
  | 'wildcard_not_last'
  | 'too_long'
  | 'control_character'
  | 'invalid_cache_tag'
  | 'empty';

export interface PathProblem {
  input: string;
  code: PathProblemCode;
  /** one sentence telling the user what to change */
  message: string;
}

export interface PathNormalisation {
  /** the final list to submit, in input order, encoded the way CloudFront expects */
  paths: string[];
  /** inputs that were changed by encoding: what the user typed and what will be sent */
  encoded: Array<{ input: string; path: string }>;
  /** duplicates dropped (the encoded form) */
  duplicates: string[];
  /** paths dropped because a wildcard in the same request covers them */
  covered: Array<{ path: string; by: string }>;
  /** paths sent with their query string (`?` unencoded): each invalidates only that variant */
  queryKept: string[];
}

export type PathsResult = { ok: true; value: PathNormalisation } | { ok: false; problems: PathProblem[] };

export const MAX_PATH_LENGTH = 4000;
const MAX_CACHE_TAG_LENGTH = 256;

/** True when the path ends in `*`; after validation `*` can only be the last character. */
export function isWildcard(path: string): boolean {
  return path.includes('*');
}

/** Items starting with `#` are cache tags, not paths. */
export function isCacheTag(item: string): boolean {
  return item.startsWith('#');
}

/**
 * Splits raw slash-command text into items on whitespace and commas. Slack wraps URL-looking text as
 * `<url|label>` or `<url>` and escapes `&`, `<`, `>` as entities; an http(s) URL is kept whole, since its
 * host says which distribution it belongs to (core/hosts.ts `itemOf` reads it).
 */
export function splitPaths(text: string): string[] {
  const unwrapped = text.replace(/<([^<>|\s]*)(?:\|[^<>]*)?>/g, (link, url: string) =>
    isHttpUrl(url) ? url : link,
  );
  return unwrapped
    .split(/[\s,]+/)
    .filter((item) => item !== '')
    .map((item) => unescapeSlack(item));
}

export function isHttpUrl(item: string): boolean {
  return /^https?:\/\//i.test(item);
}

/** Slack escapes exactly these three characters in message and command text; one pass avoids double-decoding. */
const SLACK_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };
export function unescapeSlack(item: string): string {
  return item.replace(/&(amp|lt|gt);/g, (_, name: string) => SLACK_ENTITIES[name] ?? '');
}

/** RFC 1738 "unsafe" characters; with controls and space they are the only ASCII that gets encoded. */
const UNSAFE_ASCII = new Set(['<', '>', '"', '#', '{', '}', '|', '\\', '^', '~', '[', ']', '`', '%']);
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const REPLACEMENT_CHARACTER = '%EF%BF%BD';

/** Encodes one path (not a cache tag) as CloudFront expects; idempotent, and never throws on lone surrogates. */
export function encodePath(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; ) {
    // A valid %XX is already encoded: keep it (upper-cased) so encoding twice changes nothing.
    const pair = path.slice(i + 1, i + 3);
    if (path[i] === '%' && HEX_PAIR.test(pair)) {
      out += `%${pair.toUpperCase()}`;
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(path.codePointAt(i) ?? 0);
    out += encodeChar(char);
    i += char.length;
  }
  return out;
}

function encodeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code >= 0xd800 && code <= 0xdfff) return REPLACEMENT_CHARACTER;
  if (code >= 0x80) return encodeURIComponent(char);
  return code <= 0x20 || code === 0x7f || UNSAFE_ASCII.has(char) ? `%${hex2(code)}` : char;
}

function hex2(code: number): string {
  return code.toString(16).toUpperCase().padStart(2, '0');
}

/** Validates every item and reports all problems at once; otherwise encodes, dedupes and drops covered paths. */
export function normalisePaths(items: readonly string[]): PathsResult {
  const problems = items.flatMap(problemsOf);
  if (problems.length > 0) return { ok: false, problems };
  const entries = items.map((input) => ({ input, path: isCacheTag(input) ? input : encodePath(input) }));
  const { kept, duplicates } = dedupe(entries);
  const { remaining, covered } = removeCovered(kept);
  return {
    ok: true,
    value: {
      paths: remaining.map((entry) => entry.path),
      encoded: remaining.filter((entry) => entry.input !== entry.path),
      duplicates,
      covered,
      queryKept: remaining.map((entry) => entry.path).filter(hasQuery),
    },
  };
}

/**
 * A path with a query string invalidates only that variant, and only matters when the distribution
 * forwards and caches on query strings; CloudFront wants the `?` unencoded.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
 */
export function hasQuery(path: string): boolean {
  return !isCacheTag(path) && path.includes('?');
}

function problemsOf(input: string): PathProblem[] {
  if (input === '') {
    return [{ input, code: 'empty', message: 'Remove the empty item or give a path starting with /.' }];
  }
  if (isCacheTag(input)) {
    const message = cacheTagProblem(input);
    return message === undefined ? [] : [{ input, code: 'invalid_cache_tag', message }];
  }
  const problems: PathProblem[] = [];
  const add = (code: PathProblemCode, message: string) => problems.push({ input, code, message });
  if (!input.startsWith('/')) add('missing_leading_slash', `Add a leading slash: /${excerpt(input)}`);
  const star = input.indexOf('*');
  if (star !== -1 && star !== input.length - 1) {
    const example = excerpt(input.slice(0, star + 1));
    add('wildcard_not_last', `Put * only at the end of the path, for example ${example}`);
  }
  const controls = controlCharacters(input);
  if (controls.length > 0) {
    const noun = controls.length === 1 ? 'character' : 'characters';
    add('control_character', `Remove the control ${noun} ${controls.join(', ')} from the path.`);
  }
  const length = encodePath(input).length;
  if (length > MAX_PATH_LENGTH) {
    add('too_long', `Shorten the path to at most 4,000 characters once encoded (it is ${length}).`);
  }
  return problems;
}

const EXCERPT_HEAD = 50;
const EXCERPT_TAIL = 20;

/**
 * A message quotes the input, but a long one only by its start and end: a message stays one readable
 * sentence however much was pasted. Never splits a surrogate pair.
 */
function excerpt(input: string): string {
  if (input.length <= EXCERPT_HEAD + EXCERPT_TAIL + 1) return input;
  let head = EXCERPT_HEAD;
  if (isHighSurrogate(input.charCodeAt(head - 1))) head -= 1;
  let tail = input.length - EXCERPT_TAIL;
  if (isLowSurrogate(input.charCodeAt(tail))) tail += 1;
  return `${input.slice(0, head)}…${input.slice(tail)}`;
}

/** The first half of a UTF-16 surrogate pair: a cut right after it would split a character. */
export const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Distinct control characters (C0, DEL, C1) as `U+0007`, in order of appearance. */
function controlCharacters(input: string): string[] {
  const found = new Set<string>();
  for (const char of input) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) found.add(codePointName(code));
  }
  return [...found];
}

function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A cache tag is `#` plus 1–255 printable ASCII characters (33–126) other than `,` and `*`. */
function cacheTagProblem(tag: string): string | undefined {
  for (const char of tag.slice(1)) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 33 || code > 126 || char === ',' || char === '*') {
      const what = char === '*' ? 'the wildcard *' : char === ',' ? 'the comma' : codePointName(code);
      return `Remove ${what} from the cache tag: tags take printable ASCII only, without commas or *.`;
    }
  }
  if (tag.length < 2 || tag.length > MAX_CACHE_TAG_LENGTH) {
    return 'Give the cache tag 1 to 255 characters after the #.';
  }
  return undefined;
}

interface Entry {
  input: string;
  path: string;
}

/** Paths are case-sensitive; cache tags are not, so they dedupe on their lower-case form. */
function dedupe(entries: readonly Entry[]): { kept: Entry[]; duplicates: string[] } {
  const seen = new Set<string>();
  const kept: Entry[] = [];
  const duplicates: string[] = [];
  for (const entry of entries) {
    const key = isCacheTag(entry.path) ? entry.path.toLowerCase() : entry.path;
    if (seen.has(key)) duplicates.push(entry.path);
    else {
      seen.add(key);
      kept.push(entry);
    }
  }
  return { kept, duplicates };
}

function removeCovered(entries: readonly Entry[]): {
  remaining: Entry[];
  covered: PathNormalisation['covered'];
} {
  const prefixes = minimalPrefixes(entries.filter((e) => isWildcard(e.path)).map((e) => e.path.slice(0, -1)));
  const remaining: Entry[] = [];
  const covered: PathNormalisation['covered'] = [];
  for (const entry of entries) {
    const by = isCacheTag(entry.path) ? undefined : coveringWildcard(entry.path, prefixes);
    if (by === undefined) remaining.push(entry);
    else covered.push({ path: entry.path, by });
  }
  return { remaining, covered };
}

/** Sorted wildcard prefixes with every prefix that another one already covers removed. */
function minimalPrefixes(prefixes: readonly string[]): string[] {
  const minimal: string[] = [];
  for (const prefix of [...prefixes].sort()) {
    const last = minimal[minimal.length - 1];
    if (last === undefined || !prefix.startsWith(last)) minimal.push(prefix);
  }
  return minimal;
}

/**
 * No minimal prefix is a prefix of another, so the only candidate to cover `target` is the greatest one
 * sorting at or before it: a binary search instead of comparing every path with every wildcard.
 */
function coveringWildcard(path: string, minimal: readonly string[]): string | undefined {
  const target = isWildcard(path) ? path.slice(0, -1) : path;
  let low = 0;
  let high = minimal.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((minimal[middle] ?? '') <= target) low = middle + 1;
    else high = middle;
  }
  const candidate = minimal[low - 1];
  if (candidate === undefined || !target.startsWith(candidate)) return undefined;
  if (isWildcard(path) && candidate === target) return undefined;
  return `${candidate}*`;
}
