import { describe, expect, it } from 'vitest';
import {
  cancelRefusalText,
  code,
  commandRefusalText,
  decisionRefusalText,
  noRecordText,
} from '../../../src/adapters/slack/messages.js';
import { normalisePaths } from '../../../src/core/paths.js';
import type { InvalidationRequest } from '../../../src/core/request.js';
import { approved, cancelled, DECIDED, denied, EXPIRY, expired } from '../../core/request/fixtures.js';

/** The text with every code span taken out: what Slack reads as formatting. */
const outsideSpans = (text: string) => text.replace(/`[^`\n]*`/g, '');

/** Every `<!date^…>` token taken out, leaving the words around the times. */
const outsideDates = (text: string) => text.replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '');

describe('code', () => {
  it.each([
    ['a plain path', '/index.html', '`/index.html`'],
    ['Slack control characters, escaped', '/a<b>&c', '`/a&lt;b&gt;&amp;c`'],
    ['a backtick, by a look-alike that keeps the span whole', '/a`*b*`', '`/aˋ*b*ˋ`'],
  ])('quotes %s', (_, text, expected) => {
    expect(code(text)).toBe(expected);
  });

  it('cuts a long word, still one span', () => {
    const quoted = code(`/${'`'.repeat(5_000)}`);
    expect(quoted.length).toBeLessThanOrEqual(102);
    expect(outsideSpans(quoted)).toBe('');
  });
});

describe('refusals quote what was typed in code spans', () => {
  it.each([
    ['a path missing its slash', 'a`b*c', 'Add a leading slash: `/aˋb*c`'],
    ['a path with a * before its end', '/a*`/b', 'Put `*` only at the end of the path, for example `/a*`'],
    ['a cache tag with a *', '#tag*', 'Remove the wildcard `*` from the cache tag'],
  ])('%s', (_, input, expected) => {
    const normalised = normalisePaths([input]);
    if (normalised.ok) throw new Error(`${input} was taken`);
    const text = commandRefusalText({ code: 'invalid_paths', problems: normalised.problems });
    expect(text).toContain(expected);
    expect(outsideSpans(text)).not.toMatch(/[`*]/);
  });

  it('shows the end of a long path up to its misplaced *, never half a character', () => {
    // The cut falls inside 🌐, which is left out whole.
    const normalised = normalisePaths([`/${'é'.repeat(200)}🌐${'a'.repeat(58)}*/b`]);
    if (normalised.ok) throw new Error('the path was taken');
    const text = commandRefusalText({ code: 'invalid_paths', problems: normalised.problems });
    expect(text).toContain(`for example \`…${'a'.repeat(58)}*\``);
    expect(text).not.toMatch(/\p{Cs}/u);
  });

  it('says what a request id looks like when the word is none, quoting it safely', () => {
    const text = commandRefusalText({
      code: 'bad_command',
      error: { code: 'bad_request_id', command: 'status', typed: '<foo`*>' },
    });
    expect(text).toBe(
      "`&lt;fooˋ*&gt;` is not a request id. Ids look like `INV-7K2M9QX4PA`: `INV-` and 10 letters or digits, shown in the card's header. Try `/invalidate list mine` to find yours.",
    );
  });

  it('cuts a pasted page typed where an id goes', () => {
    const text = commandRefusalText({
      code: 'bad_command',
      error: { code: 'bad_request_id', command: 'cancel', typed: 'x'.repeat(100_000) },
    });
    expect(text.length).toBeLessThan(400);
    expect(text).toContain('is not a request id');
  });

  it('tells what to check when a well-formed id names no request', () => {
    expect(noRecordText('INV-7K2M9QX4PA')).toBe(
      "I have no record of request INV-7K2M9QX4PA. Check the id against the card's header (e.g. `INV-7K2M9QX4PA`), or find yours with `/invalidate list mine`.",
    );
  });
});

describe('an earlier decision is told in the reader’s own time', () => {
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  it.each([
    ['cancelled', cancelled(), DECIDED, '<@U0DEV> already cancelled'],
    ['approved', approved(), DECIDED, 'Too late: <@U0LEAD> already approved'],
    ['denied', denied(), DECIDED, 'Too late: <@U0LEAD> already denied'],
    ['expired', expired(), EXPIRY, 'expired'],
  ] as Array<[string, InvalidationRequest, string, string]>)(
    'a request already %s, with Slack’s date formatting and no UTC clock time',
    (_, request, at, words) => {
      for (const text of [
        cancelRefusalText({ code: 'already_decided', request }),
        decisionRefusalText({ code: 'already_decided', request }),
      ]) {
        expect(text).toContain(words);
        expect(text).toContain(`<!date^${seconds(at)}^{date_short_pretty} at {time}|`);
        expect(outsideDates(text)).not.toMatch(/UTC|\d\d:\d\d/);
      }
    },
  );
});
