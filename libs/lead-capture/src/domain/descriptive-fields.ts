/*
 * Optional descriptive fields as real forms send them. A lead is never lost over one of them: what can be
 * normalized is, and what cannot is kept as given beside the normalized field.
 */

/** Employees, and the text as given when the number alone does not say all the form said. */
export interface CompanySizeReading {
  readonly size?: number;
  readonly sizeAsGiven?: string;
}

const MAX_COMPANY_SIZE = 10_000_000;
const SIZE_AS_GIVEN_LENGTH = 50;

/** `1,000`, `1.000`, `1 000`, `10k`; the thousands separator is never a decimal one: no company has 1.5 people. */
const COUNT = String.raw`(\d{1,3}(?:[,.\s]\d{3})+|\d+)\s*(k)?`;
const EXACT = new RegExp(`^${COUNT}$`, 'i');
/** `51-200`, `51 – 200`, `51 to 200`: the lower bound is what is known for sure. */
const BAND = new RegExp(`^${COUNT}\\s*(?:-|–|—|to)\\s*${COUNT}$`, 'i');
/** `1,000+`, `1000 or more`, `over 1000`: an open range, read by its lower bound too. */
const OPEN_RANGE = new RegExp(
  `^(?:more than|over|>=?)?\\s*${COUNT}\\s*(?:\\+|or more|and more|and above)?$`,
  'i',
);

/**
 * A number of employees, from a number or from text. A band or an open range is read as its lower bound,
 * so scoring's range rules never credit a company with more people than the form vouched for, and the text
 * is kept as `sizeAsGiven` with the rest of what the form said. Text that names no number (`enterprise`),
 * or a number no company has (0, negative, fractional), is kept as given only.
 */
export function readCompanySize(raw: number | string): CompanySizeReading {
  if (typeof raw === 'number') {
    return isCompanySize(raw) ? { size: raw } : { sizeAsGiven: String(raw) };
  }
  const given = raw.trim();
  const exact = EXACT.exec(given);
  if (exact) {
    const size = countOf(exact[1], exact[2]);
    return isCompanySize(size) ? { size } : { sizeAsGiven: boundedText(given, SIZE_AS_GIVEN_LENGTH).text };
  }
  const range = BAND.exec(given) ?? OPEN_RANGE.exec(given);
  const lowerBound = range ? countOf(range[1], range[2]) : undefined;
  const sizeAsGiven = boundedText(given, SIZE_AS_GIVEN_LENGTH).text;
  return lowerBound !== undefined && isCompanySize(lowerBound)
    ? { size: lowerBound, sizeAsGiven }
    : { sizeAsGiven };
}

function countOf(digits: string | undefined, thousands: string | undefined): number {
  const count = Number((digits ?? '').replace(/[,.\s]/g, ''));
  return thousands ? count * 1000 : count;
}

function isCompanySize(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_COMPANY_SIZE;
}

/** First and last name from one string, or the string kept whole when it cannot be split. */
export type FullNameReading =
  { readonly firstName: string; readonly lastName: string } | { readonly fullName: string };

/**
 * Splits on the last space: `Ana Maria Smith` is first name `Ana Maria`, last name `Smith`, the common
 * Western form-fill. A single word (`Cher`) could be either part, so it stays whole as `fullName`. Names
 * whose family name comes first, or has several words (`Ludwig van Beethoven`), split imperfectly; the
 * alternative, guessing per culture, would be wrong more quietly.
 */
export function splitFullName(raw: string): FullNameReading {
  const given = raw.trim().replace(/\s+/gu, ' ');
  const lastSpace = given.lastIndexOf(' ');
  if (lastSpace <= 0) return { fullName: given };
  return { firstName: given.slice(0, lastSpace), lastName: given.slice(lastSpace + 1) };
}

/**
 * Text within the ceiling its event field has: what is over is cut at a code point boundary (never inside a
 * surrogate pair). A form that sends a 300-character job title loses its tail, not the lead.
 */
export function boundedText(
  text: string,
  maxLength: number,
): { readonly text: string; readonly truncated: boolean } {
  if (text.length <= maxLength) return { text, truncated: false };
  let cut = maxLength;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return { text: text.slice(0, cut).trimEnd(), truncated: true };
}
