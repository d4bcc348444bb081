import fc from 'fast-check';

/**
 * Why CloudFront's CreateInvalidation would refuse `item`, or undefined when it takes it as it is. Written
 * from the documented rules rather than from the bot's own code, so the tests can hold the bot to them:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html#invalidation-specifying-objects
 *
 * A path
 * - starts with `/` (the API requires it; the console adds it);
 * - is at most 4,000 characters long;
 * - holds printable ASCII only (33–126): non-ASCII characters, spaces and controls must arrive URL-encoded;
 * - holds no RFC 1738 "unsafe" character unencoded (`< > " # { } | \ ^ ~ [ ] \``), since CloudFront
 *   matches the encoded form of the URL;
 * - uses `%` only to start an escape of two hex digits;
 * - has `*` (the wildcard) only as its last character.
 *
 * A cache tag is `#` followed by 1–255 printable ASCII characters (33–126) other than `,` and `*`.
 */
export function cloudFrontRejection(item: string): string | undefined {
  if (item.startsWith('#')) return cacheTagRejection(item);
  if (!item.startsWith('/')) return 'does not start with /';
  if (item.length > CLOUDFRONT_MAX_PATH_LENGTH) return `is ${item.length} characters long, over 4,000`;
  for (let i = 0; i < item.length; i++) {
    const code = item.charCodeAt(i);
    const char = item[i] ?? '';
    if (code < 33 || code > 126) return `holds U+${hex(code)} at ${i}, outside printable ASCII`;
    if (UNSAFE.has(char)) return `holds the unencoded unsafe character ${char} at ${i}`;
    if (char === '%' && !/^[0-9A-Fa-f]{2}$/.test(item.slice(i + 1, i + 3)))
      return `holds a % at ${i} that does not start a %XX escape`;
    if (char === '*' && i !== item.length - 1) return `holds * at ${i}, before the end`;
  }
  return undefined;
}

export const CLOUDFRONT_MAX_PATH_LENGTH = 4000;
const MAX_CACHE_TAG_LENGTH = 256;
const UNSAFE = new Set(['<', '>', '"', '#', '{', '}', '|', '\\', '^', '~', '[', ']', '`']);

function cacheTagRejection(tag: string): string | undefined {
  if (tag.length < 2 || tag.length > MAX_CACHE_TAG_LENGTH)
    return `is a cache tag of ${tag.length} characters`;
  for (let i = 1; i < tag.length; i++) {
    const code = tag.charCodeAt(i);
    if (code < 33 || code > 126) return `is a cache tag holding U+${hex(code)}`;
    if (tag[i] === ',' || tag[i] === '*') return `is a cache tag holding ${tag[i]}`;
  }
  return undefined;
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** Characters and fragments that sit on the edges of the path rules and of the command grammar. */
const edgeFragment: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.string({ unit: fc.constantFrom(...'abcxyz019._-/'), minLength: 1, maxLength: 8 }),
  },
  // any code point, astral ones included
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
      .map((code) => String.fromCharCode(code)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ...[' ', '\t', '\n', '\r\n', '\v', '\f', '\u00a0', '\u1680', '\u2007', '\u2028', '\u2029'],
      ...['\u202f', '\u3000', '\ufeff', '\u200b', '\u180e', '\u0085'],
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%',
      '%G1',
      '%E9',
      '%%',
      '%2',
      '%zz',
      '%20',
      '%2f',
      '%2A',
      '%C3%A9',
      '%25',
      '%0A',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(..."*#,?&=+;:@!$'()", '**', '/*', '*/') },
  { weight: 1, arbitrary: fc.constantFrom(...'<>"{}|\\^~[]`') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('&amp;', '&lt;', '&gt;', '&#42;', '&amp;lt;', '<@U0123>', '<#C0123|general>'),
  },
);

/**
 * One item as a person might type or paste it: mostly path-like, with every kind of trouble mixed in
 * (unicode, lone surrogates, controls, odd whitespace, malformed percent-escapes, misplaced `*`, cache tags,
 * Slack-wrapped links).
 */
export const pathLikeItem: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('/', '/', '/', '/', '#', '', 'https://example.com/', '<https://example.com/', '//'),
    fc.array(edgeFragment, { maxLength: 12 }),
    fc.constantFrom('', '', '', '*', '>', '|label>'),
  )
  .map(([start, middle, end]) => `${start}${middle.join('')}${end}`);

/**
 * Paths CloudFront takes as they are: safe ASCII (without the comma, a separator in the command grammar),
 * valid escapes in either case, an optional final `*`.
 */
export const cloudFrontPath: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.string({ unit: fc.constantFrom(..."abcXYZ0189/._-!$&'()+;=:@?") }),
        fc
          .tuple(fc.constantFrom(...'0123456789ABCDEFabcdef'), fc.constantFrom(...'0123456789ABCDEFabcdef'))
          .map(([a, b]) => `%${a}${b}`),
      ),
      { maxLength: 10 },
    ),
    fc.boolean(),
  )
  .map(([parts, wildcard]) => `/${parts.join('')}${wildcard ? '*' : ''}`);

/** Paths with any unicode a person could mean (no controls, separators or inner `*`): valid once encoded. */
export const unicodePath: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: 'binary', maxLength: 10 }), fc.boolean())
  .map(([text, wildcard]) => `/${text.replace(/[\s,*\p{Cc}]/gu, '')}${wildcard ? '*' : ''}`);

/** Cache tags CloudFront accepts. */
export const cacheTag: fc.Arbitrary<string> = fc
  .string({ unit: fc.integer({ min: 33, max: 126 }).map((code) => String.fromCharCode(code)), minLength: 1 })
  .map((text) => `#${text.replace(/[,*]/g, '-')}`);

/** Mostly items that should be accepted, one in four an item that probes the rules. */
export const commandItem: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: cloudFrontPath },
  { weight: 1, arbitrary: unicodePath },
  { weight: 1, arbitrary: pathLikeItem },
);

/** A command of 100 to 400 KB: one of `heads`, then one fragment (a `unit` and a separator) repeated. */
export function hugeCommand(
  heads: readonly string[],
  unit: fc.Arbitrary<string>,
  separators: readonly string[],
): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...heads),
      unit,
      fc.constantFrom(...separators),
      fc.integer({ min: 100_000, max: 400_000 }),
    )
    .map(([head, fragment, between, chars]) => {
      const piece = `${fragment}${between}` || ' ';
      return `${head}${piece.repeat(Math.ceil(chars / piece.length))}`;
    });
}
