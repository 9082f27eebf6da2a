import { describe, expect, it } from '@jest/globals';
import { daysBetween, median, percentile, rateOf, wilsonInterval } from './statistics';

describe('statistics', () => {
  it('interpolates percentiles between closest ranks, as percentile_cont does', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([7], 0.9)).toBe(7);
    expect(median([])).toBeUndefined();
  });

  it('gives a rate with its counts, and none of nothing', () => {
    expect(rateOf(2, 3)).toEqual({ numerator: 2, denominator: 3, rate: 0.6667 });
    expect(rateOf(0, 0)).toEqual({ numerator: 0, denominator: 0 });
  });

  it('gives the Wilson interval, inside [0, 1] even at the edges', () => {
    expect(wilsonInterval(5, 10)).toEqual({ low: 0.2366, high: 0.7634 });
    expect(wilsonInterval(0, 4)).toEqual({ low: 0, high: 0.4899 });
    expect(wilsonInterval(3, 3)?.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeUndefined();
  });

  it('counts days between instants to two decimals', () => {
    expect(daysBetween(new Date('2026-10-08T10:00:00Z'), new Date('2026-10-20T22:00:00Z'))).toBe(12.5);
  });
});
