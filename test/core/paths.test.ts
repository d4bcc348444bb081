import { describe, expect, it } from 'vitest';
import {
  encodePath,
  isCacheTag,
  isWildcard,
  MAX_PATH_LENGTH,
  normalisePaths,
  type PathNormalisation,
  type PathProblemCode,
  splitPaths,
} from '../../src/core/paths.js';

function normalised(items: readonly string[]): PathNormalisation {
  const result = normalisePaths(items);
  if (!result.ok) throw new Error(`expected valid paths, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

function firstMessage(items: readonly string[]): string {
  const result = normalisePaths(items);
  if (result.ok) throw new Error('expected problems');
  return result.problems[0]?.message ?? '';
}

function problemCodes(items: readonly string[]): Array<[string, PathProblemCode]> {
  const result = normalisePaths(items);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((problem) => [problem.input, problem.code]);
}

describe('normalisePaths accepts and encodes', () => {
  it.each([
    ['/index.html', '/index.html'],
    ['/images/*', '/images/*'],
    ['/images*', '/images*'],
    ['/app.*', '/app.*'],
    ['/*', '/*'],
    ['/', '/'],
    ['/search?q=shoes&page=2', '/search?q=shoes&page=2'],
    ["/keep/:@!$'()+,;=-_.", "/keep/:@!$'()+,;=-_."],
    ['/a b', '/a%20b'],
    ['/café.html', '/caf%C3%A9.html'],
    ['/日本/*', '/%E6%97%A5%E6%9C%AC/*'],
    ['/emoji/😀.png', '/emoji/%F0%9F%98%80.png'],
    ['/~user', '/%7Euser'],
    ['/a#section', '/a%23section'],
    ['/<>"{}|\\^[]`', '/%3C%3E%22%7B%7D%7C%5C%5E%5B%5D%60'],
    ['/already%20encoded', '/already%20encoded'],
    ['/lower%2fhex', '/lower%2Fhex'],
    ['/100%', '/100%25'],
    ['/100%zz', '/100%25zz'],
    ['/half%4', '/half%254'],
    ['/lone\uD800surrogate', '/lone%EF%BF%BDsurrogate'],
    ['/trailing\uDC00', '/trailing%EF%BF%BD'],
    ['/Case/Sensitive', '/Case/Sensitive'],
    ['#Product-42', '#Product-42'],
    [`/${'a'.repeat(MAX_PATH_LENGTH - 1)}`, `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`],
    [`#${'t'.repeat(255)}`, `#${'t'.repeat(255)}`],
  ])('accepts %j and sends %j', (input, expected) => {
    expect(normalised([input]).paths).toEqual([expected]);
  });

  it('lists the inputs that encoding changed, with what will be sent', () => {
    expect(normalised(['/plain', '/café', '/a%2f']).encoded).toEqual([
      { input: '/café', path: '/caf%C3%A9' },
      { input: '/a%2f', path: '/a%2F' },
    ]);
  });
});

describe('normalisePaths rejects', () => {
  it.each<[string, string, PathProblemCode]>([
    ['an empty item', '', 'empty'],
    ['a path without a leading slash', 'images/*', 'missing_leading_slash'],
    ['a wildcard that is not the last character', '/a*/b', 'wildcard_not_last'],
    ['two wildcards in a row', '/images/**', 'wildcard_not_last'],
    ['a C0 control character', '/bell\u0007', 'control_character'],
    ['a NUL character', '/nul\u0000', 'control_character'],
    ['DEL', '/del\u007f', 'control_character'],
    ['a C1 control character', '/next\u0085line', 'control_character'],
    ['a path longer than 4,000 characters', `/${'a'.repeat(MAX_PATH_LENGTH)}`, 'too_long'],
    ['a path that only becomes too long once encoded', `/${'é'.repeat(700)}`, 'too_long'],
    ['a bare #', '#', 'invalid_cache_tag'],
    ['a cache tag over 256 characters', `#${'t'.repeat(256)}`, 'invalid_cache_tag'],
    ['a cache tag with a wildcard', '#images*', 'invalid_cache_tag'],
    ['a cache tag with a comma', '#a,b', 'invalid_cache_tag'],
    ['a cache tag with a space', '#a b', 'invalid_cache_tag'],
    ['a cache tag with non-ASCII', '#café', 'invalid_cache_tag'],
    ['a cache tag with a control character', '#a\u0001', 'invalid_cache_tag'],
  ])('rejects %s', (_name, input, code) => {
    expect(problemCodes([input])).toEqual([[input, code]]);
  });

  it('suggests the fixed form of a path without a leading slash', () => {
    expect(firstMessage(['images/*'])).toContain('/images/*');
  });

  it('names the control character by its code point', () => {
    expect(firstMessage(['/a\u0007b\u001b'])).toContain('U+0007, U+001B');
  });

  it('suggests where to end a misplaced wildcard', () => {
    expect(firstMessage(['/a*/b'])).toContain('/a*');
  });

  it.each([
    [
      'a long item without a leading slash',
      'a'.repeat(100_000),
      `Add a leading slash: /${'a'.repeat(50)}…${'a'.repeat(20)}`,
    ],
    [
      'a long path with a misplaced wildcard',
      `/${'a'.repeat(100_000)}*/b`,
      `Put * only at the end of the path, for example /${'a'.repeat(49)}…${'a'.repeat(19)}*`,
    ],
    [
      'a long item cut next to an emoji, without splitting it',
      `${'x'.repeat(49)}😀${'y'.repeat(100)}`,
      `Add a leading slash: /${'x'.repeat(49)}…${'y'.repeat(20)}`,
    ],
  ])('quotes only the start and end of %s', (_name, input, message) => {
    expect(firstMessage([input])).toBe(message);
  });

  it('collects every problem of every item, in input order', () => {
    expect(problemCodes(['/ok', 'images', '/a*/b', '#', '/x\u0001', 'a*/b'])).toEqual([
      ['images', 'missing_leading_slash'],
      ['/a*/b', 'wildcard_not_last'],
      ['#', 'invalid_cache_tag'],
      ['/x\u0001', 'control_character'],
      ['a*/b', 'missing_leading_slash'],
      ['a*/b', 'wildcard_not_last'],
    ]);
  });

  it('does not cap the number of paths (the caller does)', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `/file-${i}`);
    expect(normalised(items).paths).toHaveLength(5000);
  });
});

describe('normalisePaths dedupes', () => {
  it.each([
    ['exact repeats', ['/a', '/b', '/a'], ['/a', '/b'], ['/a']],
    ['repeats that match once encoded', ['/a b', '/a%20b'], ['/a%20b'], ['/a%20b']],
    ['repeats differing only in hex case', ['/a%2f', '/a%2F'], ['/a%2F'], ['/a%2F']],
    ['identical wildcards', ['/img/*', '/img/*'], ['/img/*'], ['/img/*']],
    ['cache tags regardless of case', ['#Tag', '#tag', '#TAG'], ['#Tag'], ['#tag', '#TAG']],
    ['nothing when paths differ in case', ['/A', '/a'], ['/A', '/a'], []],
  ])('drops %s, keeping the first', (_name, items, paths, duplicates) => {
    const value = normalised(items);
    expect(value.paths).toEqual(paths);
    expect(value.duplicates).toEqual(duplicates);
    expect(value.covered).toEqual([]);
  });
});

describe('normalisePaths removes paths a wildcard covers', () => {
  it.each([
    [
      'a file under a directory wildcard',
      ['/images/*', '/images/a.png', '/img.png'],
      ['/images/*', '/img.png'],
      [{ path: '/images/a.png', by: '/images/*' }],
    ],
    [
      'a path listed before its wildcard',
      ['/images/a.png', '/images/*'],
      ['/images/*'],
      [{ path: '/images/a.png', by: '/images/*' }],
    ],
    [
      'the exact prefix path and longer wildcards',
      ['/images*', '/images', '/images/', '/images-old/*'],
      ['/images*'],
      [
        { path: '/images', by: '/images*' },
        { path: '/images/', by: '/images*' },
        { path: '/images-old/*', by: '/images*' },
      ],
    ],
    [
      'nested wildcards, naming the broadest',
      ['/a/b/c', '/a/b/*', '/a/*'],
      ['/a/*'],
      [
        { path: '/a/b/c', by: '/a/*' },
        { path: '/a/b/*', by: '/a/*' },
      ],
    ],
    [
      'query-string variants',
      ['/search*', '/search?q=1'],
      ['/search*'],
      [{ path: '/search?q=1', by: '/search*' }],
    ],
    [
      'paths that match once encoded',
      ['/café/*', '/caf%C3%A9/menu'],
      ['/caf%C3%A9/*'],
      [{ path: '/caf%C3%A9/menu', by: '/caf%C3%A9/*' }],
    ],
    [
      'nothing outside the prefix',
      ['/images/*', '/images', '/imagesx'],
      ['/images/*', '/images', '/imagesx'],
      [],
    ],
    ['no cache tags', ['/*', '#images', '/a'], ['/*', '#images'], [{ path: '/a', by: '/*' }]],
  ])('drops %s', (_name, items, paths, covered) => {
    const value = normalised(items);
    expect(value.paths).toEqual(paths);
    expect(value.covered).toEqual(covered);
  });

  it('handles 3,000 paths and 3,000 wildcards', () => {
    const files = Array.from({ length: 3000 }, (_, i) => `/assets/${i}/app.js`);
    const wildcards = Array.from({ length: 3000 }, (_, i) => `/assets/${i}${i % 2 === 0 ? '/' : '-x/'}*`);
    const value = normalised([...files, ...wildcards]);
    expect(value.covered).toHaveLength(1500);
    expect(value.paths).toHaveLength(4500);
    expect(value.covered[0]).toEqual({ path: '/assets/0/app.js', by: '/assets/0/*' });
  });

  it('collapses 3,000 paths under one broad wildcard', () => {
    const files = Array.from({ length: 3000 }, (_, i) => `/assets/${i}/app.js`);
    const value = normalised([...files, '/assets/*']);
    expect(value.paths).toEqual(['/assets/*']);
    expect(value.covered).toHaveLength(3000);
  });
});

describe('splitPaths', () => {
  it.each([
    ['spaces', '/a /b', ['/a', '/b']],
    ['commas', '/a,/b', ['/a', '/b']],
    ['commas and spaces', '/a, /b ,/c', ['/a', '/b', '/c']],
    ['newlines and tabs', '/a\n/b\t/c\r\n/d', ['/a', '/b', '/c', '/d']],
    ['non-breaking spaces', '/a\u00a0/b', ['/a', '/b']],
    ['surrounding blanks', '  /a  ', ['/a']],
    ['nothing', '', []],
    ['only separators', ' ,, \n', []],
    [
      'a Slack link with a label',
      '<https://cdn.example.com/a.js|cdn.example.com/a.js>',
      ['https://cdn.example.com/a.js'],
    ],
    ['a Slack link without a label', '<https://cdn.example.com/img/*>', ['https://cdn.example.com/img/*']],
    [
      'a Slack http link with a query',
      '<http://cdn.example.com/s?q=1&amp;p=2>',
      ['http://cdn.example.com/s?q=1&p=2'],
    ],
    ['a Slack link to the site root', '<https://cdn.example.com>', ['https://cdn.example.com']],
    [
      'a Slack link with a query at the root',
      '<https://cdn.example.com?v=2>',
      ['https://cdn.example.com?v=2'],
    ],
    [
      'a Slack link with a fragment',
      '<https://cdn.example.com/a.html#top>',
      ['https://cdn.example.com/a.html#top'],
    ],
    ['a bare URL, kept whole for its host', 'https://cdn.example.com/a.js', ['https://cdn.example.com/a.js']],
    ['Slack-escaped characters', '/a?x=1&amp;y=2 /&lt;b&gt;', ['/a?x=1&y=2', '/<b>']],
    ['an escaped entity only once', '/a&amp;lt;', ['/a&lt;']],
    [
      'a non-http Slack link as typed',
      '<mailto:a@example.com|a@example.com>',
      ['<mailto:a@example.com|a@example.com>'],
    ],
    [
      'a mix',
      '/a.js, <https://cdn.example.com/b.js|cdn.example.com/b.js>\n#Tag',
      ['/a.js', 'https://cdn.example.com/b.js', '#Tag'],
    ],
  ])('splits %s', (_name, text, items) => {
    expect(splitPaths(text)).toEqual(items);
  });
});

describe('encodePath', () => {
  it.each([
    '/plain/path.html',
    '/a b',
    '%',
    '%%',
    '%2',
    '%2g',
    '%252',
    '/a%2fb',
    '/100%zz',
    '/café/日本/😀',
    '/~<>"#{}|\\^[]`',
    '/lone\uD800',
    '/\uDC00\uD800',
    '/ctrl\u0001\u007f\u0085',
    "/keep?a=1&b=2:@!$'()+,;*",
  ])('is idempotent for %j', (path) => {
    const once = encodePath(path);
    expect(encodePath(once)).toBe(once);
  });

  it('produces only printable ASCII', () => {
    expect(encodePath('/\u0000\u00a0\uD83D\uDE00\uD800 x')).toMatch(/^[\x21-\x7e]*$/);
  });
});

describe('classifying items', () => {
  it.each([
    ['/images/*', true],
    ['/*', true],
    ['/images/a.png', false],
  ])('isWildcard(%j) is %s', (path, expected) => {
    expect(isWildcard(path)).toBe(expected);
  });

  it.each([
    ['#product-42', true],
    ['/#not-a-tag', false],
  ])('isCacheTag(%j) is %s', (item, expected) => {
    expect(isCacheTag(item)).toBe(expected);
  });
});

describe('query strings', () => {
  it('keeps the ? unencoded and notes each path sent with a query string', () => {
    const value = normalised(['/a.js?v=2', '/b.css', '/c?x=1&y=2', '#tag?', '/a.js?v=2']);
    expect(value.paths).toEqual(['/a.js?v=2', '/b.css', '/c?x=1&y=2', '#tag?']);
    expect(value.queryKept).toEqual(['/a.js?v=2', '/c?x=1&y=2']);
  });
});
