import type { Money } from './events/value-objects';

const DECIMAL = /^(\d{1,16})(?:\.(\d{1,4}))?$/;

/** How many minor units the currency has (2 for EUR, 0 for JPY, 3 for KWD), as ICU knows it. */
export function minorDigitsOf(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/**
 * An amount written as a decimal string (`"12500.50"`), exactly, in the currency's minor units:
 * no floating point touches it. Undefined when it is not a plain non-negative decimal, has more
 * decimals than the currency has minor units, or exceeds what Money holds exactly.
 */
export function moneyFromDecimal(decimal: string, currency: string): Money | undefined {
  const match = DECIMAL.exec(decimal);
  if (!match) return undefined;
  const digits = minorDigitsOf(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  const amountMinor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { amountMinor: Number(amountMinor), currency };
}

/** The inverse of moneyFromDecimal: `"12500.50"`. */
export function decimalOf(money: Money): string {
  return decimalOfMinor(BigInt(money.amountMinor), money.currency);
}

/** The exact decimal of an amount in minor units, also of a sum past what a Money holds. */
export function decimalOfMinor(amountMinor: bigint, currency: string): string {
  const digits = minorDigitsOf(currency);
  const text = amountMinor.toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
