import { describe, expect, it } from 'vitest';
import {
  addLoad,
  admit,
  batchesFor,
  batchPaths,
  CLOUDFRONT_LIMITS,
  inFlightLoad,
  type Load,
  loadOf,
} from '../../src/core/capacity.js';
import type { Batch } from '../../src/core/request/model.js';

const ID = 'req-01JABCDEF';

function plain(count: number, prefix = 'p'): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${index}`);
}

function wildcards(count: number, prefix = 'w'): string[] {
  return Array.from({ length: count }, (_, index) => `/${prefix}/${index}/*`);
}

/** 5,000 plain paths with a wildcard after each of the first 20 hundreds. */
function wildcardEveryHundred(): string[] {
  return plain(5000).flatMap((path, index) =>
    index % 100 === 99 && index < 2000 ? [path, `/w/${index}/*`] : [path],
  );
}

/** Each batch as [paths, wildcards]. */
function shapes(paths: readonly string[], batches: readonly Batch[]): Array<[number, number]> {
  return batches.map((batch) => {
    const load = loadOf(batchPaths(paths, batch));
    return [load.paths, load.wildcards];
  });
}

type BatchSpec = [callerReference: string, paths: string[], extra?: Partial<Batch>];

function batch(callerReference: string, paths: string[], extra: Partial<Batch> = {}): BatchSpec {
  return [callerReference, paths, extra];
}

/** The batches laid out one after the other over one request's paths, as batchesFor lays them. */
function laid(specs: readonly BatchSpec[]): { paths: string[]; batches: Batch[] } {
  const paths: string[] = [];
  const batches = specs.map(([callerReference, own, extra]) => {
    const start = paths.length;
    paths.push(...own);
    return { callerReference, start, end: paths.length, completed: false, ...extra };
  });
  return { paths, batches };
}

function load(paths: number, wildcardCount: number): Load {
  return { paths, wildcards: wildcardCount };
}

describe('CLOUDFRONT_LIMITS', () => {
  it('allows 3,000 paths and 15 wildcards in progress per distribution', () => {
    expect(CLOUDFRONT_LIMITS).toEqual({ paths: 3000, wildcards: 15 });
  });
});

describe('loadOf', () => {
  it.each<[string, string[], Load]>([
    ['no paths', [], load(0, 0)],
    ['plain paths', ['/index.html', '/app.js'], load(2, 0)],
    ['a mix', ['/index.html', '/images/*', '/*'], load(3, 2)],
    ['only wildcards', wildcards(16), load(16, 16)],
  ])('counts %s', (_, paths, expected) => {
    expect(loadOf(paths)).toEqual(expected);
  });
});

describe('addLoad', () => {
  it('adds paths and wildcards separately', () => {
    expect(addLoad(load(10, 2), load(5, 1))).toEqual(load(15, 3));
  });
});

describe('inFlightLoad', () => {
  it.each<[string, BatchSpec[], Load]>([
    ['nothing for no batches', [], load(0, 0)],
    ['a submitted batch', [batch('a', ['/a', '/b/*'], { invalidationId: 'I1' })], load(2, 1)],
    ['nothing for a batch not yet submitted', [batch('a', ['/a', '/b/*'])], load(0, 0)],
    [
      'nothing for a completed batch',
      [batch('a', ['/a', '/b/*'], { invalidationId: 'I1', completed: true })],
      load(0, 0),
    ],
    [
      'only the submitted, uncompleted batches of a mix',
      [
        batch('a', plain(3000), { invalidationId: 'I1', completed: true }),
        batch('b', [...plain(10), ...wildcards(3)], { invalidationId: 'I2' }),
        batch('c', wildcards(15)),
      ],
      load(13, 3),
    ],
  ])('counts %s', (_, specs, expected) => {
    const { paths, batches } = laid(specs);
    expect(inFlightLoad(paths, batches)).toEqual(expected);
  });
});

describe('batchesFor', () => {
  it.each<[string, string[], Array<[number, number]>]>([
    ['no paths', [], []],
    ['one path', plain(1), [[1, 0]]],
    ['3,000 paths', plain(3000), [[3000, 0]]],
    [
      '3,001 paths',
      plain(3001),
      [
        [3000, 0],
        [1, 0],
      ],
    ],
    [
      '6,500 paths',
      plain(6500),
      [
        [3000, 0],
        [3000, 0],
        [500, 0],
      ],
    ],
    ['15 wildcards', wildcards(15), [[15, 15]]],
    [
      '16 wildcards',
      wildcards(16),
      [
        [15, 15],
        [1, 1],
      ],
    ],
    [
      '31 wildcards',
      wildcards(31),
      [
        [15, 15],
        [15, 15],
        [1, 1],
      ],
    ],
    [
      '20 wildcards, then 5,000 plain paths',
      [...wildcards(20), ...plain(5000)],
      [
        [15, 15],
        [3000, 5],
        [2005, 0],
      ],
    ],
    [
      '5,000 plain paths, then 20 wildcards',
      [...plain(5000), ...wildcards(20)],
      [
        [3000, 0],
        [2015, 15],
        [5, 5],
      ],
    ],
    [
      '20 wildcards spread through 5,000 plain paths',
      wildcardEveryHundred(),
      [
        [1615, 15],
        [3000, 5],
        [405, 0],
      ],
    ],
  ])('splits %s into batches of at most 3,000 paths and 15 wildcards each', (_, paths, expected) => {
    expect(shapes(paths, batchesFor(ID, paths))).toEqual(expected);
  });

  it.each([
    ['plain paths', plain(6500)],
    ['wildcards', wildcards(31)],
    ['a mix', wildcardEveryHundred()],
  ])('keeps every path once, in order, for %s', (_, paths) => {
    expect(batchesFor(ID, paths).flatMap((batch) => batchPaths(paths, batch))).toEqual(paths);
  });

  it.each([
    ['one batch', plain(2), [ID]],
    ['three batches of plain paths', plain(6500), [ID, `${ID}-2`, `${ID}-3`]],
    ['two batches of wildcards', wildcards(16), [ID, `${ID}-2`]],
  ])(
    'derives the CallerReferences of %s from the request id, so a retry never creates a second invalidation',
    (_, paths, references) => {
      const batches = batchesFor(ID, paths);
      expect(batches.map((batch) => batch.callerReference)).toEqual(references);
      expect(batches.every((batch) => !batch.completed && batch.invalidationId === undefined)).toBe(true);
    },
  );

  it('gives the same batches on every call', () => {
    expect(batchesFor(ID, wildcardEveryHundred())).toEqual(batchesFor(ID, wildcardEveryHundred()));
  });
});

describe('admit', () => {
  const a = batch('a', plain(1000, 'a'));
  const b = batch('b', plain(1000, 'b'));
  const c = batch('c', plain(1000, 'c'));
  const big = batch('big', plain(600, 'big'));
  const small = batch('small', plain(100, 'small'));
  const fiveWild = batch('five-wild', wildcards(5));
  const oneWild = batch('one-wild', wildcards(1));

  it.each<[string, BatchSpec[], Load, string[]]>([
    ['every batch when they all fit', [a, b, c], load(0, 0), ['a', 'b', 'c']],
    ['batches in order while their sum fits', [a, b, c], load(500, 0), ['a', 'b']],
    ['a batch that fills the paths exactly', [a, b], load(2000, 0), ['a']],
    ['nothing when the first does not fit, never skipping to a later one', [big, small], load(2500, 0), []],
    ['wildcards up to the limit', [fiveWild, oneWild], load(0, 10), ['five-wild']],
    [
      'nothing when wildcards would pass the limit, never skipping ahead',
      [fiveWild, oneWild, a],
      load(0, 11),
      [],
    ],
    ['plain paths when the wildcards are full', [small, oneWild], load(0, 15), ['small']],
    ['a wildcard when the paths are nearly full', [oneWild, small], load(2999, 0), ['one-wild']],
    ['nothing when the paths are full', [small], load(3000, 0), []],
    ['nothing from nothing', [], load(0, 0), []],
  ])('admits %s', (_, specs, inFlight, expected) => {
    const { paths, batches } = laid(specs);
    expect(admit(paths, batches, inFlight).map((admitted) => admitted.callerReference)).toEqual(expected);
  });

  it('admits only the first of the batches batchesFor made when it fills the wildcard limit', () => {
    const paths = [...wildcards(20), ...plain(5000)];
    const batches = batchesFor(ID, paths);
    expect(admit(paths, batches, load(0, 0))).toEqual(batches.slice(0, 1));
  });
});
