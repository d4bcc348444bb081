import { describe, expect, it } from 'vitest';
import {
  type Command,
  type CommandError,
  MAX_REASON_LENGTH,
  parseCommand,
  RESERVED_WORDS,
} from '../../src/core/command.js';
import { splitPaths } from '../../src/core/paths.js';
import type { Result } from '../../src/core/result.js';

function parse(text: string): Result<Command, CommandError> {
  return parseCommand(text, splitPaths);
}

describe('parseCommand', () => {
  it.each([
    ['empty text', ''],
    ['only spaces', '   '],
    ['only newlines and tabs', '\n\t \n'],
    ['the word help', 'help'],
    ['HELP in capitals', 'HELP'],
    ['help surrounded by whitespace', '  Help \n'],
  ])('shows help for %s', (_, text) => {
    expect(parse(text)).toEqual({ ok: true, value: { kind: 'help' } });
  });

  it.each([
    ['one path', 'web /index.html', ['/index.html']],
    ['paths separated by spaces', 'web /a /b   /c', ['/a', '/b', '/c']],
    ['paths separated by commas', 'web /a,/b, /c', ['/a', '/b', '/c']],
    ['paths separated by newlines', 'web\n/a\n/b\r\n/c', ['/a', '/b', '/c']],
    ['a comma right after the alias', 'web,/a', ['/a']],
    [
      'a Slack-wrapped URL',
      'web <https://example.com/docs/a?x=1|example.com/docs/a>',
      ['https://example.com/docs/a?x=1'],
    ],
    ['a wildcard and a cache tag', 'web /images/* #product-42', ['/images/*', '#product-42']],
  ])('reads the alias and %s', (_, text, items) => {
    expect(parse(text)).toEqual({ ok: true, value: { kind: 'invalidate', target: 'web', items } });
  });

  it.each([
    ['a long run of spaces between paths', `web /a${' '.repeat(200_000)}/b`, ['/a', '/b']],
    ['a long run of non-breaking spaces between paths', `web /a${'\u00a0'.repeat(200_000)}/b`, ['/a', '/b']],
    ['a long run of tabs and new lines before a comma', `web /a${'\t\n'.repeat(100_000)},/b`, ['/a', '/b']],
    ['a long run of trailing new lines', `web /a${'\n'.repeat(200_000)}`, ['/a']],
  ])('reads %s in well under a second', (_, text, items) => {
    const started = performance.now();
    expect(parse(text)).toEqual({ ok: true, value: { kind: 'invalidate', target: 'web', items } });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    [
      'a bare URL',
      'https://www.example.com/app/main.css https://www.example.com/',
      ['https://www.example.com/app/main.css', 'https://www.example.com/'],
    ],
    [
      'a Slack-wrapped URL',
      '<https://www.example.com/a.js|www.example.com/a.js> /b.js',
      ['https://www.example.com/a.js', '/b.js'],
    ],
  ])('reads %s first as an item, with no alias: its host names the distribution', (_, text, items) => {
    expect(parse(text)).toEqual({ ok: true, value: { kind: 'invalidate', items } });
  });

  it('keeps the reason after URLs given without an alias', () => {
    expect(parse('https://x.example.com/a --reason broken')).toEqual({
      ok: true,
      value: { kind: 'invalidate', items: ['https://x.example.com/a'], reason: 'broken' },
    });
  });

  it('keeps a distribution id as the target exactly as typed', () => {
    expect(parse('E2ABCDEF123XYZ /a')).toEqual({
      ok: true,
      value: { kind: 'invalidate', target: 'E2ABCDEF123XYZ', items: ['/a'] },
    });
  });

  it('treats help followed by paths as a target named help, leaving the config to refuse it', () => {
    expect(parse('help /a')).toEqual({
      ok: true,
      value: { kind: 'invalidate', target: 'help', items: ['/a'] },
    });
  });

  it.each([
    ['a one-word reason', 'web /a --reason deploy', ['/a'], 'deploy'],
    [
      'the rest of the text as the reason',
      'web /a /b --reason fix the broken logo',
      ['/a', '/b'],
      'fix the broken logo',
    ],
    [
      'a reason spanning lines, kept as typed for the audit trail',
      'web /a --reason hot\n  fix, "now"  ',
      ['/a'],
      'hot\n  fix, "now"',
    ],
    ['--reason=value', 'web /a --reason=deploy', ['/a'], 'deploy'],
    ['--reason=value with more words', 'web /a --reason=roll back v2', ['/a'], 'roll back v2'],
    ['a reason after a newline', 'web /a\n--reason deploy', ['/a'], 'deploy'],
    [
      'paths that merely look like the flag',
      'web /--reasonable /a--reason --reason ok',
      ['/--reasonable', '/a--reason'],
      'ok',
    ],
  ])('reads %s', (_, text, items, reason) => {
    expect(parse(text)).toEqual({ ok: true, value: { kind: 'invalidate', target: 'web', items, reason } });
  });

  it.each([
    [
      'one character over the limit',
      `web /a --reason ${'r'.repeat(MAX_REASON_LENGTH + 1)}`,
      MAX_REASON_LENGTH + 1,
    ],
    [
      'hundreds of kilobytes',
      `web /a --reason ${'long '.repeat(60_000)}`,
      'long '.repeat(60_000).trim().length,
    ],
  ])('refuses a reason of %s, saying how long it is', (_, text, length) => {
    expect(parse(text)).toEqual({
      ok: false,
      error: { code: 'reason_too_long', length, max: MAX_REASON_LENGTH },
    });
  });

  it('takes a reason of exactly the longest length', () => {
    const reason = 'r'.repeat(MAX_REASON_LENGTH);
    expect(parse(`web /a --reason ${reason}`)).toEqual({
      ok: true,
      value: { kind: 'invalidate', target: 'web', items: ['/a'], reason },
    });
  });

  it('takes paths typed after --reason as part of the reason', () => {
    expect(parse('web --reason deploy /a')).toEqual({
      ok: false,
      error: { code: 'no_paths', target: 'web' },
    });
  });

  it.each([
    ['nothing after --reason', 'web /a --reason'],
    ['only spaces after --reason', 'web /a --reason    '],
    ['nothing after --reason=', 'web /a --reason='],
    ['a bare --reason', '--reason'],
  ])('refuses an empty reason: %s', (_, text) => {
    expect(parse(text)).toEqual({ ok: false, error: { code: 'empty_reason' } });
  });

  it.each([
    ['an alias alone', 'web', 'web'],
    ['an alias followed by spaces', 'web   ', 'web'],
    ['an alias followed by commas', 'web , ,', 'web'],
    ['an id alone', 'E2ABCDEF123XYZ', 'E2ABCDEF123XYZ'],
    ['an alias with a reason but no paths', 'web --reason deploy', 'web'],
  ])('asks for paths when given %s', (_, text, target) => {
    expect(parse(text)).toEqual({ ok: false, error: { code: 'no_paths', target } });
  });

  it('reads the alias when the text starts with a comma', () => {
    expect(parse(',web /a')).toEqual({
      ok: true,
      value: { kind: 'invalidate', target: 'web', items: ['/a'] },
    });
  });

  it.each([
    ['status INV-7K2M9QX4PA', { kind: 'status', requestId: 'INV-7K2M9QX4PA' }],
    ['cancel inv-7k2m9qx4pa', { kind: 'cancel', requestId: 'INV-7K2M9QX4PA' }],
    ['STATUS  INV-0000000001 ', { kind: 'status', requestId: 'INV-0000000001' }],
  ])('reads `%s` with its request id in capitals', (text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['no id', 'status', 'status'],
    ['no id to cancel', 'cancel', 'cancel'],
    ['two ids', 'status INV-7K2M9QX4PA INV-0000000001', 'status'],
    ['an id and another word', 'cancel INV-7K2M9QX4PA now', 'cancel'],
  ])('shows the usage when given %s instead of one request id', (_, text, command) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { code: 'usage', command } });
  });

  it.each([
    ['a word', 'status foo', 'status', 'foo'],
    ['an id one character short', 'cancel inv-123', 'cancel', 'inv-123'],
    ['an id without INV-', 'status 7K2M9QX4PA', 'status', '7K2M9QX4PA'],
    ['an id one character short of ten', 'status INV-7K2M9QX4P', 'status', 'INV-7K2M9QX4P'],
    ['a batch reference', 'cancel INV-7K2M9QX4PA-2', 'cancel', 'INV-7K2M9QX4PA-2'],
    ['a user mention', 'cancel <@U0123>', 'cancel', '<@U0123>'],
    ['thousands of characters', `status INV-${'X'.repeat(5_000)}`, 'status', `INV-${'X'.repeat(5_000)}`],
  ])('says the word is no request id when given %s, quoting it as typed', (_, text, command, typed) => {
    expect(parse(text)).toEqual({ ok: false, error: { code: 'bad_request_id', command, typed } });
  });

  it.each([
    ['export', { kind: 'export', format: 'csv' }],
    ['export 2026-12', { kind: 'export', month: '2026-12', format: 'csv' }],
    ['export json', { kind: 'export', format: 'json' }],
    ['EXPORT JSON 2026-01', { kind: 'export', month: '2026-01', format: 'json' }],
    ['export 2026-12 csv', { kind: 'export', month: '2026-12', format: 'csv' }],
  ])('reads `%s` as an export, csv and the current month unless told', (text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['a month that does not exist', 'export 2026-13', '2026-13'],
    ['a day', 'export 2026-12-01', '2026-12-01'],
    ['another format', 'export xlsx', 'xlsx'],
    ['a mistyped format', 'export 2026-12 jsn', 'jsn'],
  ])('refuses an export with %s, quoting the word', (_, text, typed) => {
    expect(parse(text)).toEqual({
      ok: false,
      error: { code: 'bad_export_word', typed, expected: '/invalidate export [YYYY-MM] [csv|json]' },
    });
  });

  it.each([
    ['two months', 'export 2026-11 2026-12'],
    ['two formats', 'export csv json'],
  ])('shows the export usage when given %s', (_, text) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { code: 'usage', command: 'export' } });
  });

  it('reserves help and export among the sub-command words', () => {
    expect(RESERVED_WORDS).toContain('export');
    expect(RESERVED_WORDS).toContain('help');
  });
});
