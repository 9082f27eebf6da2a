import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  addBusinessTime,
  businessTimeBetween,
  calendarIssues,
  WEEKDAYS,
  type BusinessCalendar,
} from './business-calendar';

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  workingDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  hours: { start: '09:00', end: '17:00' },
  holidays: [],
};

/** Berlin, open on Sundays 01:00-05:00 only: the DST shift (02:00/03:00) falls inside business hours. */
const berlinSundayNights: BusinessCalendar = {
  ...berlin,
  workingDays: ['sun'],
  hours: { start: '01:00', end: '05:00' },
};

/** addBusinessTime between ISO strings, so that expectations read as instants. */
function after(fromIso: string, businessMs: number, calendar: BusinessCalendar = berlin): string {
  return addBusinessTime(new Date(fromIso), businessMs, calendar).toISOString();
}

function between(fromIso: string, toIso: string, calendar: BusinessCalendar = berlin): number {
  return businessTimeBetween(new Date(fromIso), new Date(toIso), calendar);
}

/** The date 'YYYY-MM-DD' that is `days` after `firstIso`. */
function dateAfter(firstIso: string, days: number): string {
  return new Date(Date.parse(firstIso) + days * DAY_MS).toISOString().slice(0, 10);
}

/** `count` dates 'YYYY-MM-DD', `stepDays` apart, from `firstIso` on. */
function datesEvery(stepDays: number, count: number, firstIso: string): string[] {
  return Array.from({ length: count }, (_, index) => dateAfter(firstIso, index * stepDays));
}

describe('addBusinessTime', () => {
  it('4 business hours from Friday 15:00 Berlin lands on Monday 11:00 Berlin', () => {
    // Fri 2026-03-13 15:00 CET: 2h until closing, then Mon 09:00 + 2h.
    expect(after('2026-03-13T15:00:00+01:00', 4 * HOUR_MS)).toBe('2026-03-16T10:00:00.000Z');
  });

  it('stays on the same day when the business time fits before closing', () => {
    expect(after('2026-03-10T10:00:00+01:00', 4 * HOUR_MS)).toBe('2026-03-10T13:00:00.000Z');
  });

  it('skips a holiday and the weekend after it', () => {
    // Thu 2026-12-24 15:00: 2h on Thursday; Fri 25 and Sat 26 are holidays, Sun 27 is off; Mon 28 09:00 + 2h.
    const christmas = { ...berlin, holidays: ['2026-12-25', '2026-12-26'] };

    expect(after('2026-12-24T15:00:00+01:00', 4 * HOUR_MS, christmas)).toBe('2026-12-28T10:00:00.000Z');
  });

  it('skips Good Friday, the weekend and Easter Monday', () => {
    // Thu 2026-04-02 16:00 CEST: 1h on Thursday; Fri 3 holiday, weekend, Mon 6 holiday; Tue 7 09:00 + 3h.
    const easter = { ...berlin, holidays: ['2026-04-03', '2026-04-06'] };

    expect(after('2026-04-02T16:00:00+02:00', 4 * HOUR_MS, easter)).toBe('2026-04-07T10:00:00.000Z');
  });

  it('starts counting at the opening when from is before it', () => {
    expect(after('2026-03-10T07:30:00+01:00', 4 * HOUR_MS)).toBe('2026-03-10T12:00:00.000Z');
  });

  it('starts counting at the next morning when from is after closing', () => {
    expect(after('2026-03-10T18:00:00+01:00', 4 * HOUR_MS)).toBe('2026-03-11T12:00:00.000Z');
  });

  it('starts counting at the next business day when from is on a holiday', () => {
    // Fri 2026-05-01 (Labour Day) 10:00 CEST: nothing counts until Mon 2026-05-04 09:00; + 4h = 13:00 CEST.
    const labourDay = { ...berlin, holidays: ['2026-05-01'] };

    expect(after('2026-05-01T10:00:00+02:00', 4 * HOUR_MS, labourDay)).toBe('2026-05-04T11:00:00.000Z');
  });

  it('starts counting on Monday when from is on a weekend', () => {
    expect(after('2026-03-14T12:00:00+01:00', HOUR_MS)).toBe('2026-03-16T09:00:00.000Z');
  });

  describe('with zero business time: the next business instant at or after from', () => {
    it.each([
      ['inside business hours: from itself', '2026-03-10T10:15:30.250+01:00', '2026-03-10T09:15:30.250Z'],
      ['exactly at opening: from itself', '2026-03-10T09:00:00+01:00', '2026-03-10T08:00:00.000Z'],
      ['before opening: the opening', '2026-03-10T06:00:00+01:00', '2026-03-10T08:00:00.000Z'],
      ['exactly at closing: the next opening', '2026-03-10T17:00:00+01:00', '2026-03-11T08:00:00.000Z'],
      ['on Saturday: the Monday opening', '2026-03-14T12:00:00+01:00', '2026-03-16T08:00:00.000Z'],
    ])('%s', (_case, fromIso, expected) => {
      expect(after(fromIso, 0)).toBe(expected);
    });
  });

  describe('at the closing boundary', () => {
    it('from 13:00 with 4h of 09:00-17:00 lands on 17:00 the same day, not the next morning', () => {
      expect(after('2026-03-10T13:00:00+01:00', 4 * HOUR_MS)).toBe('2026-03-10T16:00:00.000Z');
    });

    it('a whole business day from the opening ends at that day’s closing', () => {
      expect(after('2026-03-10T09:00:00+01:00', 8 * HOUR_MS)).toBe('2026-03-10T16:00:00.000Z');
    });

    it('one millisecond more carries over to the next opening', () => {
      expect(after('2026-03-10T13:00:00+01:00', 4 * HOUR_MS + 1)).toBe('2026-03-11T08:00:00.001Z');
    });
  });

  describe('across daylight saving time changes (Europe/Berlin)', () => {
    it('keeps wall-clock hours across the spring-forward weekend (Sun 2026-03-29)', () => {
      // Fri 15:00 CET (+01:00) + 4h = Mon 11:00 CEST (+02:00).
      expect(after('2026-03-27T15:00:00+01:00', 4 * HOUR_MS)).toBe('2026-03-30T09:00:00.000Z');
    });

    it('keeps wall-clock hours across the fall-back weekend (Sun 2026-10-25)', () => {
      // Fri 15:00 CEST (+02:00) + 4h = Mon 11:00 CET (+01:00).
      expect(after('2026-10-23T15:00:00+02:00', 4 * HOUR_MS)).toBe('2026-10-26T10:00:00.000Z');
    });

    it('counts the real elapsed time of a business day that springs forward: 01:00-05:00 is 3h', () => {
      // 01:00 CET = 00:00Z; 05:00 CEST = 03:00Z.
      expect(after('2026-03-29T01:00:00+01:00', 3 * HOUR_MS, berlinSundayNights)).toBe(
        '2026-03-29T03:00:00.000Z',
      );
      // 01:30 CET + 1h of real time is 03:30 CEST: the skipped hour does not count.
      expect(after('2026-03-29T01:30:00+01:00', HOUR_MS, berlinSundayNights)).toBe(
        '2026-03-29T01:30:00.000Z',
      );
      // Past that day's 3h, counting resumes the next Sunday 01:00 CEST.
      expect(after('2026-03-29T01:00:00+01:00', 3 * HOUR_MS + 1, berlinSundayNights)).toBe(
        '2026-04-04T23:00:00.001Z',
      );
    });

    it('counts the real elapsed time of a business day that falls back: 01:00-05:00 is 5h', () => {
      // 01:00 CEST = 2026-10-24T23:00Z; + 2h of real time is the second 02:00 of the night, 02:00 CET.
      expect(after('2026-10-25T01:00:00+02:00', 2 * HOUR_MS, berlinSundayNights)).toBe(
        '2026-10-25T01:00:00.000Z',
      );
      // 05:00 CET = 04:00Z.
      expect(after('2026-10-25T01:00:00+02:00', 5 * HOUR_MS, berlinSundayNights)).toBe(
        '2026-10-25T04:00:00.000Z',
      );
    });

    it('an opening time that the clocks skip is read with the offset before the gap (02:30 → 03:30 CEST)', () => {
      const opensInTheGap = { ...berlinSundayNights, hours: { start: '02:30', end: '06:00' } };

      expect(after('2026-03-29T00:00:00+01:00', 0, opensInTheGap)).toBe('2026-03-29T01:30:00.000Z');
    });

    it('an opening time that the clocks repeat means its first occurrence (02:30 CEST)', () => {
      const opensInTheFold = { ...berlinSundayNights, hours: { start: '02:30', end: '06:00' } };

      expect(after('2026-10-25T00:00:00+02:00', 0, opensInTheFold)).toBe('2026-10-25T00:30:00.000Z');
    });
  });

  describe('outside Europe', () => {
    const newYork: BusinessCalendar = { ...berlin, timeZone: 'America/New_York' };

    it('America/New_York: Friday 15:00 EST + 4h is Monday 11:00 EDT across the spring-forward weekend', () => {
      // Clocks go forward on Sun 2026-03-08. Fri 15:00 EST = 20:00Z; Mon 11:00 EDT = 15:00Z.
      expect(after('2026-03-06T15:00:00-05:00', 4 * HOUR_MS, newYork)).toBe('2026-03-09T15:00:00.000Z');
    });

    it('America/New_York: skips Thanksgiving and the day after', () => {
      // Wed 2026-11-25 16:00 EST: 1h on Wednesday; Thu 26 and Fri 27 holidays, weekend; Mon 30 09:00 + 3h.
      const thanksgiving = { ...newYork, holidays: ['2026-11-26', '2026-11-27'] };

      expect(after('2026-11-25T16:00:00-05:00', 4 * HOUR_MS, thanksgiving)).toBe('2026-11-30T17:00:00.000Z');
    });

    it('Asia/Riyadh with a Sunday-to-Thursday week', () => {
      const riyadh: BusinessCalendar = {
        timeZone: 'Asia/Riyadh',
        workingDays: ['sun', 'mon', 'tue', 'wed', 'thu'],
        hours: { start: '08:00', end: '16:00' },
        holidays: [],
      };

      // Thu 2026-03-12 15:00 +03:00: 1h on Thursday; Fri and Sat off; Sun 08:00 + 3h = 11:00 +03:00.
      expect(after('2026-03-12T15:00:00+03:00', 4 * HOUR_MS, riyadh)).toBe('2026-03-15T08:00:00.000Z');
    });
  });

  describe('refusals and search limits', () => {
    it.each([-1, -Infinity, Infinity, NaN])('refuses businessMs %p with a RangeError', (businessMs) => {
      expect(() => addBusinessTime(new Date('2026-03-10T10:00:00Z'), businessMs, berlin)).toThrow(RangeError);
    });

    it('refuses an invalid from date', () => {
      expect(() => addBusinessTime(new Date('not a date'), HOUR_MS, berlin)).toThrow(RangeError);
    });

    it('refuses a calendar it cannot compute with', () => {
      const martian = { ...berlin, timeZone: 'Mars/Base' };
      const backwards = { ...berlin, hours: { start: '17:00', end: '09:00' } };

      expect(() => addBusinessTime(new Date('2026-03-10T10:00:00Z'), HOUR_MS, martian)).toThrow(
        new RangeError('invalid business calendar: timeZone "Mars/Base" is not an IANA time zone'),
      );
      expect(() => businessTimeBetween(new Date(0), new Date(DAY_MS), backwards)).toThrow(RangeError);
    });

    it('gives up on a calendar without any working day', () => {
      const neverOpen = { ...berlin, workingDays: [] };

      expect(() => addBusinessTime(new Date('2026-03-10T10:00:00Z'), 0, neverOpen)).toThrow(
        /no business time within 2 years/,
      );
    });

    it('finds business time a year and a half away, but not two and a half years away', () => {
      const mondaysOnly: BusinessCalendar = { ...berlin, workingDays: ['mon'] };
      // 78 weeks of holiday Mondays from 2026-01-05: the first open Monday is 2027-07-05 (09:00 CEST = 07:00Z).
      const closedForOneAndAHalfYears = { ...mondaysOnly, holidays: datesEvery(7, 78, '2026-01-05') };
      const closedForTwoAndAHalfYears = { ...mondaysOnly, holidays: datesEvery(7, 130, '2026-01-05') };

      expect(after('2026-01-01T00:00:00Z', 0, closedForOneAndAHalfYears)).toBe('2027-07-05T07:00:00.000Z');
      expect(() => after('2026-01-01T00:00:00Z', 0, closedForTwoAndAHalfYears)).toThrow(RangeError);
    });

    it('adds business time spanning years (more than the 2-year search limit) when the calendar is open', () => {
      const threeYearsOfBusiness = 3 * 52 * 40 * HOUR_MS;
      const from = new Date('2026-03-10T10:00:00+01:00');
      const to = addBusinessTime(from, threeYearsOfBusiness, berlin);

      expect(to.getTime() - from.getTime()).toBeGreaterThan(2.9 * 365 * DAY_MS);
      expect(businessTimeBetween(from, to, berlin)).toBe(threeYearsOfBusiness);
    });
  });
});

describe('businessTimeBetween', () => {
  it('Friday 15:00 to Monday 11:00 is 4 business hours', () => {
    expect(between('2026-03-13T15:00:00+01:00', '2026-03-16T11:00:00+01:00')).toBe(4 * HOUR_MS);
  });

  it('is 0 when to is not after from', () => {
    expect(between('2026-03-10T12:00:00+01:00', '2026-03-10T12:00:00+01:00')).toBe(0);
    expect(between('2026-03-10T12:00:00+01:00', '2026-03-10T10:00:00+01:00')).toBe(0);
  });

  it('counts only the business part of a partial day', () => {
    expect(between('2026-03-10T10:30:00+01:00', '2026-03-10T11:15:00+01:00')).toBe(45 * MINUTE_MS);
    expect(between('2026-03-10T06:00:00+01:00', '2026-03-10T20:00:00+01:00')).toBe(8 * HOUR_MS);
  });

  it('a full week is five business days; a weekend is none', () => {
    expect(between('2026-03-09T00:00:00+01:00', '2026-03-16T00:00:00+01:00')).toBe(40 * HOUR_MS);
    expect(between('2026-03-14T00:00:00+01:00', '2026-03-16T00:00:00+01:00')).toBe(0);
  });

  it('leaves holidays out', () => {
    // Thu 2026-04-02 to Wed 2026-04-08: Thursday and Tuesday only.
    const easter = { ...berlin, holidays: ['2026-04-03', '2026-04-06'] };

    expect(between('2026-04-02T00:00:00+02:00', '2026-04-08T00:00:00+02:00', easter)).toBe(16 * HOUR_MS);
  });

  it('counts real elapsed time on days with a DST change inside business hours', () => {
    expect(between('2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z', berlinSundayNights)).toBe(3 * HOUR_MS);
    expect(between('2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z', berlinSundayNights)).toBe(5 * HOUR_MS);
  });

  describe('properties', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Sydney',
      'Asia/Kolkata',
      'America/Santiago',
      'Pacific/Chatham',
      'UTC',
    ];
    const clockTime = (minuteOfDay: number) =>
      `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
    // At least an hour a day, so that a few dozen business hours never need more than a few years.
    const calendarArbitrary: fc.Arbitrary<BusinessCalendar> = fc
      .record({
        timeZone: fc.constantFrom(...zones),
        workingDays: fc.subarray([...WEEKDAYS], { minLength: 1 }),
        opensAtMinute: fc.integer({ min: 0, max: 23 * 60 - 1 }),
        openMinutes: fc.integer({ min: 60, max: 24 * 60 - 1 }),
        holidays: fc.uniqueArray(
          fc.integer({ min: 0, max: 3 * 365 }).map((days) => dateAfter('2025-06-01', days)),
          { maxLength: 30 },
        ),
      })
      .map(({ timeZone, workingDays, opensAtMinute, openMinutes, holidays }) => ({
        timeZone,
        workingDays,
        hours: {
          start: clockTime(opensAtMinute),
          end: clockTime(Math.min(opensAtMinute + openMinutes, 24 * 60 - 1)),
        },
        holidays,
      }));
    const instantArbitrary = fc.date({
      min: new Date('2025-06-01T00:00:00Z'),
      max: new Date('2027-12-31T00:00:00Z'),
      noInvalidDate: true,
    });
    const businessMsArbitrary = fc.integer({ min: 0, max: 40 * HOUR_MS });

    it('is the inverse of addBusinessTime, and addBusinessTime finds the earliest such instant', () => {
      fc.assert(
        fc.property(
          instantArbitrary,
          businessMsArbitrary,
          calendarArbitrary,
          (from, businessMs, calendar) => {
            const to = addBusinessTime(from, businessMs, calendar);

            expect(to.getTime()).toBeGreaterThanOrEqual(from.getTime());
            expect(businessTimeBetween(from, to, calendar)).toBe(businessMs);
            if (businessMs > 0) {
              expect(businessTimeBetween(from, new Date(to.getTime() - 1), calendar)).toBe(businessMs - 1);
            }
          },
        ),
      );
    });

    it('adds up over consecutive spans', () => {
      fc.assert(
        fc.property(
          fc.tuple(instantArbitrary, instantArbitrary, instantArbitrary),
          calendarArbitrary,
          (instants, calendar) => {
            const [first, middle, last] = [...instants].sort((a, b) => a.getTime() - b.getTime());

            expect(businessTimeBetween(first, last, calendar)).toBe(
              businessTimeBetween(first, middle, calendar) + businessTimeBetween(middle, last, calendar),
            );
          },
        ),
        { numRuns: 30 },
      );
    });
  });
});

describe('calendarIssues', () => {
  const valid = {
    timeZone: 'Europe/Berlin',
    workingDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    hours: { start: '09:00', end: '17:00' },
    holidays: ['2026-12-25', '2026-12-26'],
  };

  it('has nothing to say about a valid calendar', () => {
    expect(calendarIssues(valid)).toEqual([]);
    expect(calendarIssues({ ...valid, timeZone: 'America/New_York', holidays: [] })).toEqual([]);
    expect(calendarIssues({ ...valid, hours: { start: '00:00', end: '23:59' } })).toEqual([]);
  });

  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [42, '42'],
    ['Europe/Berlin', '"Europe/Berlin"'],
    [true, 'true'],
    [[valid], 'an array'],
  ])('refuses a non-object: %p', (raw, shown) => {
    expect(calendarIssues(raw)).toEqual([`calendar must be an object, got ${shown}`]);
  });

  it('reports every problem at once, each starting with its field path', () => {
    expect(
      calendarIssues({
        timeZone: 'Mars/Base',
        workingDays: [],
        hours: { start: '9am', end: '17:00' },
        holidays: ['2026-12-25', '2026-12-26', '2026-02-30'],
      }),
    ).toEqual([
      'timeZone "Mars/Base" is not an IANA time zone',
      'workingDays must name at least one day',
      'hours.start "9am" must be HH:MM',
      'holidays[2] "2026-02-30" is not a date',
    ]);
  });

  it.each([
    ['timeZone is missing', { timeZone: undefined }, 'timeZone is required'],
    ['timeZone is not a string', { timeZone: 1 }, 'timeZone must be a string, got 1'],
    ['timeZone is empty', { timeZone: '' }, 'timeZone "" is not an IANA time zone'],
    ['timeZone is an abbreviation', { timeZone: 'CEST' }, 'timeZone "CEST" is not an IANA time zone'],
    ['workingDays is missing', { workingDays: undefined }, 'workingDays is required'],
    ['workingDays is a string', { workingDays: 'mon' }, 'workingDays must be an array, got "mon"'],
    [
      'workingDays has a full name',
      { workingDays: ['mon', 'tuesday'] },
      'workingDays[1] "tuesday" must be one of mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      'workingDays has a capital',
      { workingDays: ['Mon'] },
      'workingDays[0] "Mon" must be one of mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      'workingDays has a number',
      { workingDays: [1] },
      'workingDays[0] 1 must be one of mon, tue, wed, thu, fri, sat, sun',
    ],
    [
      'workingDays repeats a day',
      { workingDays: ['mon', 'tue', 'mon'] },
      'workingDays[2] "mon" is listed twice',
    ],
    [
      'workingDays has more than seven entries',
      { workingDays: [...WEEKDAYS, 'mon'] },
      'workingDays must name at most 7 days, got 8',
    ],
    ['hours is missing', { hours: undefined }, 'hours is required'],
    ['hours is null', { hours: null }, 'hours must be an object, got null'],
    ['hours is an array', { hours: ['09:00', '17:00'] }, 'hours must be an object, got an array'],
    ['hours is a string', { hours: '09:00-17:00' }, 'hours must be an object, got "09:00-17:00"'],
    ['hours.start is missing', { hours: { end: '17:00' } }, 'hours.start is required'],
    [
      'hours.end is not a string',
      { hours: { start: '09:00', end: 17 } },
      'hours.end must be a string, got 17',
    ],
    [
      'hours.start has one hour digit',
      { hours: { start: '9:00', end: '17:00' } },
      'hours.start "9:00" must be HH:MM',
    ],
    ['hours.end is 24:00', { hours: { start: '09:00', end: '24:00' } }, 'hours.end "24:00" must be HH:MM'],
    [
      'hours.end has seconds',
      { hours: { start: '09:00', end: '17:00:00' } },
      'hours.end "17:00:00" must be HH:MM',
    ],
    [
      'hours.start has minute 60',
      { hours: { start: '09:60', end: '17:00' } },
      'hours.start "09:60" must be HH:MM',
    ],
    [
      'hours end before they start',
      { hours: { start: '17:00', end: '09:00' } },
      'hours.end "09:00" must be after hours.start "17:00"',
    ],
    [
      'hours are empty',
      { hours: { start: '09:00', end: '09:00' } },
      'hours.end "09:00" must be after hours.start "09:00"',
    ],
    [
      'hours has an unknown field',
      { hours: { start: '09:00', end: '17:00', timeZone: 'UTC' } },
      'hours.timeZone is not a known field',
    ],
    ['holidays is missing', { holidays: undefined }, 'holidays is required'],
    [
      'holidays is an object',
      { holidays: { '2026-12-25': true } },
      'holidays must be an array, got an object',
    ],
    ['a holiday is not a string', { holidays: [20261225] }, 'holidays[0] must be a string, got 20261225'],
    [
      'a holiday is in German notation',
      { holidays: ['25.12.2026'] },
      'holidays[0] "25.12.2026" must be YYYY-MM-DD',
    ],
    [
      'a holiday has a time',
      { holidays: ['2026-12-25T00:00'] },
      'holidays[0] "2026-12-25T00:00" must be YYYY-MM-DD',
    ],
    ['a holiday is in month 13', { holidays: ['2026-13-01'] }, 'holidays[0] "2026-13-01" is not a date'],
    [
      'a holiday is on 29 February of a common year',
      { holidays: ['2027-02-29'] },
      'holidays[0] "2027-02-29" is not a date',
    ],
    [
      'a holiday is listed twice',
      { holidays: ['2026-12-25', '2026-12-26', '2026-12-25'] },
      'holidays[2] "2026-12-25" is listed twice',
    ],
    ['the calendar has an unknown field', { colour: 'blue' }, 'colour is not a known field'],
  ])('%s', (_case, change, issue) => {
    expect(calendarIssues({ ...valid, ...change })).toEqual([issue]);
  });

  it('accepts 29 February in a leap year', () => {
    expect(calendarIssues({ ...valid, holidays: ['2028-02-29'] })).toEqual([]);
  });

  it('refuses a __proto__ key and does not read fields through it', () => {
    const raw: unknown = JSON.parse(
      '{"__proto__": {"timeZone": "Europe/Berlin"}, "workingDays": ["mon"], "hours": {"start": "09:00", "end": "17:00"}, "holidays": []}',
    );

    expect(calendarIssues(raw)).toEqual(['timeZone is required', '__proto__ is not a known field']);
    expect(({} as Record<string, unknown>)['timeZone']).toBeUndefined();
  });

  it('does not count inherited fields', () => {
    expect(calendarIssues(Object.create(valid))).toEqual([
      'timeZone is required',
      'workingDays is required',
      'hours is required',
      'holidays is required',
    ]);
  });

  it('accepts 1,000 holidays and refuses more without looking at each', () => {
    const thousandDays = datesEvery(1, 1_000, '2026-01-01');
    const millionEntries = new Array<string>(1_000_000).fill('not a date');

    expect(calendarIssues({ ...valid, holidays: thousandDays })).toEqual([]);
    expect(calendarIssues({ ...valid, holidays: [...thousandDays, '2028-12-31'] })).toEqual([
      'holidays must list at most 1,000 dates, got 1001',
    ]);
    expect(calendarIssues({ ...valid, holidays: millionEntries })).toEqual([
      'holidays must list at most 1,000 dates, got 1000000',
    ]);
    expect(calendarIssues({ ...valid, workingDays: millionEntries })).toEqual([
      'workingDays must name at most 7 days, got 1000000',
    ]);
  });

  it('shortens long values in its messages', () => {
    expect(calendarIssues({ ...valid, timeZone: 'x'.repeat(10_000) })).toEqual([
      `timeZone "${'x'.repeat(40)}…" is not an IANA time zone`,
    ]);
  });

  it('answers rather than throws for a value that throws when read', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );

    expect(calendarIssues(hostile)).toEqual(['calendar could not be read']);
  });

  it('never throws, whatever the value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.jsonValue(),
          // A valid calendar with one field replaced reaches the checks of that field.
          fc
            .tuple(fc.constantFrom('timeZone', 'workingDays', 'hours', 'holidays'), fc.anything())
            .map(([field, value]) => ({ ...valid, [field]: value })),
        ),
        (raw) => {
          expect(Array.isArray(calendarIssues(raw))).toBe(true);
        },
      ),
    );
  });
});
