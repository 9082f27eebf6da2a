import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessCalendar {
  /** IANA zone, e.g. Europe/Berlin */
  readonly timeZone: string;
  readonly workingDays: readonly Weekday[];
  /** local wall-clock 'HH:MM' (24h), start < end, same day */
  readonly hours: { readonly start: string; readonly end: string };
  /** local dates 'YYYY-MM-DD' with no business time at all */
  readonly holidays: readonly string[];
}

const MAX_HOLIDAYS = 1_000;
/** How long addBusinessTime searches for an opening before it calls the calendar closed for good. */
const MAX_DAYS_WITHOUT_BUSINESS_TIME = 2 * 366;
/** The largest instant a Date can hold (ECMAScript time value range). */
const LATEST_INSTANT_MS = 8.64e15;
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// ---------------------------------------------------------------------------------------------------------
// Validation of untrusted (parsed-JSON) calendars
// ---------------------------------------------------------------------------------------------------------

type FieldCheck = (value: unknown, path: string) => string[];

/** Why a raw (parsed-JSON) value is not a valid calendar: one reason per problem, each starting with the field path, e.g. `timeZone "Mars/Base" is not an IANA time zone`, `hours.start "9am" must be HH:MM`, `holidays[2] "2026-02-30" is not a date`, `workingDays must name at least one day`. Empty when valid. Refuses unknown fields too. Never throws, whatever the input (null, arrays, __proto__ keys, huge arrays: bound holidays to 1,000 entries). */
export function calendarIssues(raw: unknown): string[] {
  try {
    return recordIssues(raw, 'calendar', '', {
      timeZone: timeZoneIssues,
      workingDays: workingDaysIssues,
      hours: hoursIssues,
      holidays: holidaysIssues,
    });
  } catch {
    // Parsed JSON cannot get here; a proxy or a throwing getter can, and still deserves an answer.
    return ['calendar could not be read'];
  }
}

/** Issues of an object with exactly the given fields, all required. */
function recordIssues(
  value: unknown,
  name: string,
  pathPrefix: string,
  fieldChecks: Record<string, FieldCheck>,
): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${name} must be an object, got ${describe(value)}`];
  }
  const knownFields = Object.keys(fieldChecks);
  const unknownFieldIssues = Object.keys(value)
    .filter((field) => !knownFields.includes(field))
    .map((field) => `${pathPrefix}${truncate(field)} is not a known field`);
  const fieldIssues = knownFields.flatMap((field) => {
    const path = `${pathPrefix}${field}`;
    // Own fields only: an inherited (or __proto__-planted) value is not part of the calendar.
    const fieldValue: unknown = Object.hasOwn(value, field)
      ? (value as Record<string, unknown>)[field]
      : undefined;
    return fieldValue === undefined ? [`${path} is required`] : fieldChecks[field](fieldValue, path);
  });
  return [...fieldIssues, ...unknownFieldIssues];
}

function timeZoneIssues(value: unknown, path: string): string[] {
  if (typeof value !== 'string') return [`${path} must be a string, got ${describe(value)}`];
  return IANAZone.isValidZone(value) ? [] : [`${path} ${describe(value)} is not an IANA time zone`];
}

function workingDaysIssues(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path} must be an array, got ${describe(value)}`];
  if (value.length === 0) return [`${path} must name at least one day`];
  if (value.length > WEEKDAYS.length) {
    return [`${path} must name at most ${WEEKDAYS.length} days, got ${value.length}`];
  }
  const isWeekday = (day: unknown): day is Weekday => (WEEKDAYS as readonly unknown[]).includes(day);
  return value.flatMap((day: unknown, index) => {
    const dayPath = `${path}[${index}]`;
    if (!isWeekday(day)) return [`${dayPath} ${describe(day)} must be one of ${WEEKDAYS.join(', ')}`];
    return value.indexOf(day) < index ? [`${dayPath} ${describe(day)} is listed twice`] : [];
  });
}

function hoursIssues(value: unknown, path: string): string[] {
  const issues = recordIssues(value, path, `${path}.`, { start: clockTimeIssues, end: clockTimeIssues });
  if (issues.length > 0) return issues;
  const { start, end } = value as BusinessCalendar['hours'];
  // Zero-padded HH:MM strings order like the times they name.
  return start < end ? [] : [`${path}.end ${describe(end)} must be after ${path}.start ${describe(start)}`];
}

function clockTimeIssues(value: unknown, path: string): string[] {
  if (typeof value !== 'string') return [`${path} must be a string, got ${describe(value)}`];
  return CLOCK_TIME.test(value) ? [] : [`${path} ${describe(value)} must be HH:MM`];
}

function holidaysIssues(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path} must be an array, got ${describe(value)}`];
  if (value.length > MAX_HOLIDAYS) {
    return [`${path} must list at most ${MAX_HOLIDAYS.toLocaleString('en-US')} dates, got ${value.length}`];
  }
  const seen = new Set<string>();
  return value.flatMap((date: unknown, index) => {
    const datePath = `${path}[${index}]`;
    if (typeof date !== 'string') return [`${datePath} must be a string, got ${describe(date)}`];
    if (!ISO_DATE.test(date)) return [`${datePath} ${describe(date)} must be YYYY-MM-DD`];
    if (!DateTime.fromISO(date, { zone: 'utc' }).isValid)
      return [`${datePath} ${describe(date)} is not a date`];
    if (seen.has(date)) return [`${datePath} ${describe(date)} is listed twice`];
    seen.add(date);
    return [];
  });
}

/** A short, safe rendering of any value for an issue message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (value === null || ['number', 'boolean', 'bigint', 'undefined'].includes(typeof value)) {
    return String(value);
  }
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function truncate(text: string): string {
  const maxLength = 40;
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------
// Business-time arithmetic
// ---------------------------------------------------------------------------------------------------------

/** A local calendar date, as days since 1970-01-01. */
type EpochDay = number;

/** Business time of one local day, as a half-open span [opensAtMs, closesAtMs) of instants. */
interface Opening {
  readonly opensAtMs: number;
  readonly closesAtMs: number;
}

interface ResolvedCalendar {
  readonly zone: IANAZone;
  readonly workingDays: ReadonlySet<Weekday>;
  readonly holidays: ReadonlySet<string>;
  readonly opensAtMinute: number;
  readonly closesAtMinute: number;
}

/** The instant that lies `businessMs` of business time after `from`. If `from` is outside business hours, counting starts at the next opening. businessMs = 0 gives the next business instant at or after `from`. Throws RangeError for negative or non-finite businessMs, and for a calendar with no business time within 2 years of `from` (guards against an endless search). */
export function addBusinessTime(from: Date, businessMs: number, calendar: BusinessCalendar): Date {
  if (!Number.isFinite(businessMs) || businessMs < 0) {
    throw new RangeError(`businessMs must be a finite number >= 0, got ${businessMs}`);
  }
  const fromMs = instantOf(from, 'from');
  // The answer lies at least `businessMs` of real time after `from`, so it could not be a Date.
  if (fromMs + businessMs > LATEST_INSTANT_MS) {
    throw new RangeError(`${businessMs} ms of business time after ${from.toISOString()} is beyond any Date`);
  }
  const resolved = resolve(calendar);
  let remainingMs = businessMs;
  let daysWithoutBusinessTime = 0;
  for (let day = firstDayToScan(fromMs, resolved); ; day += 1) {
    const opening = openingWithin(day, resolved, fromMs, Infinity);
    if (opening === undefined) {
      daysWithoutBusinessTime += 1;
      if (daysWithoutBusinessTime > MAX_DAYS_WITHOUT_BUSINESS_TIME) {
        throw new RangeError(`the calendar has no business time within 2 years after ${from.toISOString()}`);
      }
      continue;
    }
    daysWithoutBusinessTime = 0;
    const openMs = opening.closesAtMs - opening.opensAtMs;
    if (remainingMs <= openMs) return new Date(opening.opensAtMs + remainingMs);
    remainingMs -= openMs;
  }
}

/** Business time (ms) between two instants (0 when to <= from). */
export function businessTimeBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  const fromMs = instantOf(from, 'from');
  const toMs = instantOf(to, 'to');
  if (toMs <= fromMs) return 0;
  const resolved = resolve(calendar);
  const lastDay = localDayOf(toMs, resolved.zone);
  let totalMs = 0;
  for (let day = firstDayToScan(fromMs, resolved); day <= lastDay; day += 1) {
    const opening = openingWithin(day, resolved, fromMs, toMs);
    if (opening !== undefined) totalMs += opening.closesAtMs - opening.opensAtMs;
  }
  return totalMs;
}

function instantOf(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date`);
  return ms;
}

function resolve(calendar: BusinessCalendar): ResolvedCalendar {
  // IANAZone.create caches the zone with its validity; IANAZone.isValidZone builds a formatter on every call.
  const zone = IANAZone.create(calendar.timeZone);
  const issues = [
    ...(zone.isValid ? [] : timeZoneIssues(calendar.timeZone, 'timeZone')),
    ...hoursIssues(calendar.hours, 'hours'),
  ];
  if (issues.length > 0) throw new RangeError(`invalid business calendar: ${issues.join('; ')}`);
  return {
    zone,
    workingDays: new Set(calendar.workingDays),
    holidays: new Set(calendar.holidays),
    opensAtMinute: minuteOfDay(calendar.hours.start),
    closesAtMinute: minuteOfDay(calendar.hours.end),
  };
}

function minuteOfDay(clockTime: string): number {
  const [hours, minutes] = clockTime.split(':').map(Number);
  return hours * 60 + minutes;
}

/** The day before `from`'s local date: a DST gap can push yesterday's closing past midnight. */
function firstDayToScan(fromMs: number, calendar: ResolvedCalendar): EpochDay {
  return localDayOf(fromMs, calendar.zone) - 1;
}

function localDayOf(instantMs: number, zone: IANAZone): EpochDay {
  return Math.floor((instantMs + zone.offset(instantMs) * MINUTE_MS) / DAY_MS);
}

/** The business time of `day` that lies within [notBeforeMs, notAfterMs), if any. */
function openingWithin(
  day: EpochDay,
  calendar: ResolvedCalendar,
  notBeforeMs: number,
  notAfterMs: number,
): Opening | undefined {
  const dateUtc = new Date(day * DAY_MS);
  // getUTCDay counts from Sunday; WEEKDAYS from Monday.
  const weekday = WEEKDAYS[(dateUtc.getUTCDay() + 6) % 7];
  if (!calendar.workingDays.has(weekday) || calendar.holidays.has(dateUtc.toISOString().slice(0, 10))) {
    return undefined;
  }
  const opensAtMs = Math.max(instantAt(day, calendar.opensAtMinute, calendar.zone), notBeforeMs);
  const closesAtMs = Math.min(instantAt(day, calendar.closesAtMinute, calendar.zone), notAfterMs);
  // A DST gap can move the opening past the closing, e.g. 02:30-03:00 on a spring-forward night.
  return opensAtMs < closesAtMs ? { opensAtMs, closesAtMs } : undefined;
}

/**
 * The instant a local wall-clock time names, resolved as RFC 5545 and Temporal ('compatible') do:
 * a time repeated when clocks fall back means its first occurrence; a time skipped when they spring
 * forward is read with the offset in force before the gap, which moves it later by the gap's length.
 */
function instantAt(day: EpochDay, minute: number, zone: IANAZone): number {
  const wallClockAsUtcMs = day * DAY_MS + minute * MINUTE_MS;
  const instantWithOffset = (offsetMinutes: number) => wallClockAsUtcMs - offsetMinutes * MINUTE_MS;
  // Zones change offset at most once within two days: equal offsets a day either side mean no change here.
  const offsetBefore = zone.offset(wallClockAsUtcMs - DAY_MS);
  const offsetAfter = zone.offset(wallClockAsUtcMs + DAY_MS);
  if (offsetBefore === offsetAfter) return instantWithOffset(offsetBefore);
  const occurrences = [offsetBefore, offsetAfter]
    .filter((offsetMinutes) => zone.offset(instantWithOffset(offsetMinutes)) === offsetMinutes)
    .map(instantWithOffset);
  // Neither offset fits a time inside the gap.
  return occurrences.length > 0 ? Math.min(...occurrences) : instantWithOffset(offsetBefore);
}
