import { DateTime } from 'luxon';

/** A forecast period: a calendar quarter (`2026-Q4`), month (`2026-11`) or year (`2026`), in UTC dates. */
export interface Period {
  readonly label: string;
  /** First day, inclusive (`YYYY-MM-DD`). */
  readonly from: string;
  /** First day after it, exclusive. */
  readonly until: string;
}

const QUARTER = /^(\d{4})-Q([1-4])$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const YEAR = /^(\d{4})$/;

/** The period a label names, or undefined when it names none. */
export function parsePeriod(label: string): Period | undefined {
  const quarter = QUARTER.exec(label);
  if (quarter)
    return spanning(label, DateTime.utc(Number(quarter[1]), (Number(quarter[2]) - 1) * 3 + 1, 1), {
      months: 3,
    });
  const month = MONTH.exec(label);
  if (month) return spanning(label, DateTime.utc(Number(month[1]), Number(month[2]), 1), { months: 1 });
  const year = YEAR.exec(label);
  if (year) return spanning(label, DateTime.utc(Number(year[1]), 1, 1), { years: 1 });
  return undefined;
}

/** The quarter an instant falls in, e.g. the current one. */
export function quarterOf(instant: Date): Period {
  const at = DateTime.fromJSDate(instant, { zone: 'utc' });
  return parsePeriod(`${at.year}-Q${Math.ceil(at.month / 3)}`) as Period;
}

/** The month an instant falls in. */
export function monthOf(instant: Date): Period {
  const at = DateTime.fromJSDate(instant, { zone: 'utc' });
  return parsePeriod(`${at.year}-${String(at.month).padStart(2, '0')}`) as Period;
}

function spanning(label: string, start: DateTime, length: { months: number } | { years: number }): Period {
  return { label, from: start.toISODate() as string, until: start.plus(length).toISODate() as string };
}
