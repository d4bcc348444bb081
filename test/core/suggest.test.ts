import { distance } from 'fastest-levenshtein';
import { describe, expect, it } from 'vitest';
import { RESERVED_WORDS } from '../../src/core/command.js';
import { type Candidate, MAX_SUGGESTED_LENGTH, nearest } from '../../src/core/suggest.js';

const aliases = (...words: string[]): Candidate[] => words.map((word) => ({ kind: 'distribution', word }));
const commands: Candidate[] = RESERVED_WORDS.map((word) => ({ kind: 'command', word }));
const known = [...aliases('web', 'docs', 'Marketing-EU', 'api'), ...commands];

const suggest = (typed: string, candidates: readonly Candidate[] = known) =>
  nearest(typed, candidates, distance)?.word;

describe('nearest', () => {
  it.each([
    ['a swapped pair in a short alias', 'wbe', 'web'],
    ['a missing letter', 'dcs', 'docs'],
    ['an extra letter', 'webb', 'web'],
    ['a wrong letter', 'dogs', 'docs'],
    ['two slips in a long alias', 'marketng-eu2', 'Marketing-EU'],
    ['capitals, answering the alias as configured', 'MARKETING-EU2', 'Marketing-EU'],
    ['a swapped pair in a sub-command', 'stauts', 'status'],
    ['a sub-command one letter short', 'lst', 'list'],
    ['a sub-command with a wrong letter', 'cancle', 'cancel'],
  ])('suggests for %s', (_, typed, expected) => {
    expect(suggest(typed)).toBe(expected);
  });

  it.each([
    ['two slips in a short word', 'wxbx'],
    ['three slips in a long word', 'marktng-ue2'],
    ['a one-letter word near a one-letter alias', 'b', aliases('a')],
    ['a different word', 'nowhere'],
    ['the empty word', ''],
    ['an exact alias (nothing to correct)', 'web'],
  ] as Array<[string, string, Candidate[]?]>)('suggests nothing for %s', (_, typed, candidates) => {
    expect(suggest(typed, candidates)).toBeUndefined();
  });

  it('prefers the nearer of two candidates', () => {
    expect(suggest('stag', aliases('stage', 'staging'))).toBe('stage');
  });

  it('prefers a distribution over a sub-command at the same distance', () => {
    const candidates = [...commands, ...aliases('lost')];
    expect(nearest('lust', candidates, distance)).toEqual({ kind: 'distribution', word: 'lost' });
  });

  it('suggests nothing when two distributions are equally near: a guess between them would mislead', () => {
    expect(suggest('web', aliases('wes', 'wed'))).toBeUndefined();
    expect(suggest('wep', aliases('web', 'wed', 'api'))).toBeUndefined();
  });

  it('reaches the longest alias the configuration takes, typed with two letters too many', () => {
    const alias = 'a'.repeat(64);
    expect(suggest(`${alias}bb`, aliases(alias))).toBe(alias);
  });

  it('compares the whole word at most the longest length', () => {
    const alias = 'a'.repeat(MAX_SUGGESTED_LENGTH);
    expect(suggest(`${alias.slice(1)}b`, aliases(alias))).toBe(alias);
    expect(suggest(`${alias}b`, aliases(`${alias}c`))).toBeUndefined();
  });

  it.each([
    ['thousands of letters', 'w'.repeat(200_000)],
    ['thousands of multi-byte characters', '🌐'.repeat(100_000)],
    ['a long word that starts like an alias', `web${'é'.repeat(100_000)}`],
  ])('answers %s with no suggestion, without comparing them', (_, typed) => {
    const long = aliases('w'.repeat(199_999), `web${'é'.repeat(99_999)}`);
    let compared = 0;
    const counting = (a: string, b: string) => {
      compared += 1;
      return distance(a, b);
    };
    const started = performance.now();
    expect(nearest(typed, [...known, ...long], counting)).toBeUndefined();
    expect(compared).toBe(0);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('compares only words whose lengths are within the allowed distance', () => {
    const compared: string[] = [];
    const counting = (a: string, b: string) => {
      compared.push(b);
      return distance(a, b);
    };
    nearest('wbe', aliases('web', 'docs', 'Marketing-EU'), counting);
    // `web` is one swap away and needs no distance; `docs` is one letter longer; Marketing-EU far longer.
    expect(compared).toEqual(['docs']);
  });
});
