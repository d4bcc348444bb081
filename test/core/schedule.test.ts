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
    [0, 5_000],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [4, 60_000],
    [5, 60_000],
    [100, 60_000],
    [10_000, 60_000],
  ])('waits before poll %i for %i ms', (attempt, delay) => {
    expect(pollDelayMs(attempt, SCHEDULE)).toBe(delay);
  });

  it('never waits less on a later poll', () => {
    const delays = Array.from({ length: 30 }, (_, attempt) => pollDelayMs(attempt, SCHEDULE));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
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
