import { describe, expect, it } from 'vitest';
import { itemBytes, MAX_ITEM_BYTES, utf8Bytes, valueBytes } from '../../src/core/item-size.js';
import { FAILURE_MESSAGE_MAX_LENGTH, failed, type RequestIn } from '../../src/core/request.js';
import { fitsInOneItem, largestRequestBytes, splitAdvice } from '../../src/core/request-size.js';

const NO_NOTES = { encoded: [], duplicates: [], covered: [] };
const input = (paths: string[]) => ({
  distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
  paths,
  notes: NO_NOTES,
  approvers: { users: ['U0LEAD'] },
});

describe('sizes as DynamoDB counts them', () => {
  it.each([
    ['ASCII', '/index.html', 11],
    ['a CJK character', '中', 3],
    ['a percent-encoded CJK character', '%E4%B8%AD', 9],
    ['an accented letter', 'é', 2],
    ['an emoji outside the basic plane', '😀', 4],
  ])('counts %s in UTF-8 bytes', (_, text, bytes) => {
    expect(utf8Bytes(text)).toBe(bytes);
  });

  it('counts 3 bytes per list or map, 1 per element, and map keys', () => {
    expect(valueBytes([])).toBe(3);
    expect(valueBytes(['ab', 'c'])).toBe(3 + 1 + 2 + 1 + 1);
    expect(valueBytes({ a: 'xy', b: true })).toBe(3 + (1 + 1 + 2) + (1 + 1 + 1));
    expect(valueBytes({ a: undefined })).toBe(3);
    expect(itemBytes({ pk: 'REQ#1', flag: false })).toBe(2 + 5 + 4 + 1);
  });
});

describe('the largest size of a request', () => {
  it('grows by exactly one byte per ASCII character added to a path', () => {
    const base = largestRequestBytes(input(['/a']));
    expect(largestRequestBytes(input(['/ab']))).toBe(base + 1);
  });

  it('counts a percent-encoded multi-byte path by its bytes, and a wildcard twice (its approval rule names it)', () => {
    const base = largestRequestBytes(input(['/a']));
    expect(largestRequestBytes(input(['/%E4%B8%AD'])) - base).toBe(10 - 2);
    expect(largestRequestBytes(input(['/a*'])) - largestRequestBytes(input(['/ab']))).toBe(1 + 3);
  });

  it('advises a split whose every share fits', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `/${i}/`.padEnd(300, 'a'));
    expect(fitsInOneItem(input(paths))).toBe(false);
    const { requests, pathsEach } = splitAdvice(input(paths));
    expect(requests).toBe(Math.ceil(3000 / pathsEach));
    for (let start = 0; start < paths.length; start += pathsEach) {
      expect(largestRequestBytes(input(paths.slice(start, start + pathsEach)))).toBeLessThanOrEqual(
        MAX_ITEM_BYTES,
      );
    }
  });
});

describe('a failure kept within the bound', () => {
  it('keeps at most FAILURE_MESSAGE_MAX_LENGTH characters of its message', () => {
    const request = {
      id: 'INV-0000000001',
      version: 1,
      status: 'approved',
    } as unknown as RequestIn<'approved'>;
    const transition = failed(request, 'Weird', 'x'.repeat(5000), '2026-05-04T10:00:00.000Z');
    if (transition.request.status !== 'failed') throw new Error('failed expected');
    expect(transition.request.failure.message).toHaveLength(FAILURE_MESSAGE_MAX_LENGTH);
    expect(transition.event?.details.message).toHaveLength(FAILURE_MESSAGE_MAX_LENGTH);
  });
});
