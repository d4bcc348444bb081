import { describe, expect, it } from 'vitest';
import {
  addMs,
  elapsedMs,
  formatDuration,
  type PollingSchedule,
  pollDelayMs,
  retryDelayMs,
} from '../../src/core/schedule.js';

const SCHEDULE: PollingSchedule = { firstCheckMs: 5_000, maxIntervalMs: 60_000 };

describe('pollDelayMs', () => {
  it.each([
    ['just submitted', 0, 5_000],
    ['a clock a little behind the submission', -1_000, 5_000],
    ['young: a quarter of its age is below the first check', 19_996, 5_000],
    ['20 s: a quarter of its age is the first check', 20_000, 5_000],
    ['20.007 s: a quarter of its age, rounded down', 20_007, 5_001],
    ['100 s', 100_000, 25_000],
    ['just under 4 minutes', 239_999, 59_999],
    ['4 minutes: a quarter of its age is the maximum', 240_000, 60_000],
    ['10 minutes', 600_000, 60_000],
    ['a day', 86_400_000, 60_000],
  ])('polls a distribution whose youngest invalidation is %s (%i ms old) after %i ms', (_, age, delay) => {
    expect(pollDelayMs(age, SCHEDULE)).toBe(delay);
  });

  it.each([
    [{ firstCheckMs: 10_000, maxIntervalMs: 30_000 }, 20_000, 10_000],
    [{ firstCheckMs: 10_000, maxIntervalMs: 30_000 }, 100_000, 25_000],
    [{ firstCheckMs: 10_000, maxIntervalMs: 30_000 }, 600_000, 30_000],
    [{ firstCheckMs: 5_000, maxIntervalMs: 5_000 }, 600_000, 5_000],
  ])('follows the configured schedule %o: age %i ms, delay %i ms', (schedule, age, delay) => {
    expect(pollDelayMs(age, schedule)).toBe(delay);
  });

  it('never waits less for an older invalidation, nor outside first check and maximum', () => {
    const delays = Array.from({ length: 61 }, (_, seconds) => pollDelayMs(seconds * 10_000, SCHEDULE));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(Math.min(...delays)).toBe(SCHEDULE.firstCheckMs);
    expect(Math.max(...delays)).toBe(SCHEDULE.maxIntervalMs);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 1_000],
    [1, 2_000],
    [3, 8_000],
    [5, 32_000],
    [6, 60_000],
    [50, 60_000],
  ])('keeps retry %i within 500 ms and its ceiling of %i ms', (attempt, ceiling) => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      const delay = retryDelayMs(attempt, random);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it.each([
    [0, 0, 500],
    [0, 0.999, 999],
    [3, 0.5, 4_000],
    [20, 0.999, 59_940],
  ])('waits retry %i with random %d for %i ms', (attempt, random, delay) => {
    expect(retryDelayMs(attempt, random)).toBe(delay);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [-1_000, '0s'],
    [45_000, '45s'],
    [59_400, '59s'],
    [59_600, '1m 00s'],
    [133_000, '2m 13s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [3_720_000, '1h 02m'],
    [90_061_000, '25h 01m'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('time arithmetic on ISO strings', () => {
  it.each([
    ['2026-11-30T23:59:59.999Z', 1, '2026-12-01T00:00:00.000Z'],
    ['2026-03-01T12:00:00.000Z', 60_000, '2026-03-01T12:01:00.000Z'],
    ['2026-03-01T12:00:00.000Z', -1_000, '2026-03-01T11:59:59.000Z'],
  ])('adds to %s %i ms giving %s', (from, ms, to) => {
    expect(addMs(from, ms)).toBe(to);
    expect(elapsedMs(from, to)).toBe(ms);
  });
});
