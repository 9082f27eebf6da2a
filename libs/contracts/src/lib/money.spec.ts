import { describe, expect, it } from '@jest/globals';
import { decimalOf, moneyFromDecimal } from './money';

describe('moneyFromDecimal', () => {
  it.each([
    ['12500.50', 'EUR', 1_250_050],
    ['12500', 'EUR', 1_250_000],
    ['0.1', 'USD', 10],
    ['1500', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['90071992547409.91', 'EUR', 9_007_199_254_740_991],
  ])('reads %s %s exactly as %d minor units', (decimal, currency, amountMinor) => {
    expect(moneyFromDecimal(decimal, currency)).toEqual({ amountMinor, currency });
    expect(decimalOf({ amountMinor, currency })).toBe(
      currency === 'EUR' && decimal === '12500' ? '12500.00' : decimal === '0.1' ? '0.10' : decimal,
    );
  });

  it.each([
    ['-5', 'EUR'],
    ['1.005', 'EUR'],
    ['1.5', 'JPY'],
    ['1e3', 'EUR'],
    ['', 'EUR'],
    [' 12', 'EUR'],
    ['90071992547409.92', 'EUR'],
  ])('refuses %j %s', (decimal, currency) => {
    expect(moneyFromDecimal(decimal, currency)).toBeUndefined();
  });
});
