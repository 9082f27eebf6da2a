import { describe, expect, it } from '@jest/globals';
import { monthOf, parsePeriod, quarterOf } from './periods';

describe('forecast periods', () => {
  it('reads quarters, months and years as UTC date ranges, the end exclusive', () => {
    expect(parsePeriod('2026-Q4')).toEqual({ label: '2026-Q4', from: '2026-10-01', until: '2027-01-01' });
    expect(parsePeriod('2026-11')).toEqual({ label: '2026-11', from: '2026-11-01', until: '2026-12-01' });
    expect(parsePeriod('2026')).toEqual({ label: '2026', from: '2026-01-01', until: '2027-01-01' });
  });

  it('names no period for anything else', () => {
    for (const label of ['2026-Q5', '2026-13', '2026-1', 'Q4', '2026-q4', '', '2026-11-01']) {
      expect(parsePeriod(label)).toBeUndefined();
    }
  });

  it('finds the quarter and month of an instant in UTC', () => {
    expect(quarterOf(new Date('2026-12-31T23:30:00-02:00')).label).toBe('2027-Q1');
    expect(monthOf(new Date('2026-12-04T16:00:00Z')).label).toBe('2026-12');
  });
});
