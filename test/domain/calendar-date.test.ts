import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  calendarDateIn,
  dayOfWeek,
  daysBetween,
  epochDay,
  InvalidCalendarDateError,
  InvalidTimeZoneError,
  isCalendarDate,
  isValidTimeZone,
  parseCalendarDate,
} from '../../src/domain/calendar-date.ts';

const DAY_MS = 86_400_000;
const FIRST_DAY = -719_162; // 0001-01-01
const LAST_DAY = 2_932_896; // 9999-12-31

/** An oracle independent of the code under test: the UTC date of an epoch day, via Date#toISOString. */
function isoOfEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

describe('parseCalendarDate', () => {
  it.each(['2026-12-01', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '2026-04-30'])(
    'accepts %s',
    (input) => {
      expect(parseCalendarDate(input)).toBe(input);
      expect(isCalendarDate(input)).toBe(true);
    },
  );

  it.each([
    ['2026-02-30', 'day 30 is not 1–28'],
    ['2025-02-29', 'day 29 is not 1–28'],
    ['1900-02-29', 'day 29 is not 1–28'],
    ['2026-04-31', 'day 31 is not 1–30'],
    ['2026-01-00', 'day 0'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-1-01', 'wrong format'],
    ['26-01-01', 'wrong format'],
    ['2026/01/01', 'wrong format'],
    ['2026-01-01T00:00:00Z', 'wrong format'],
    [' 2026-01-01', 'wrong format'],
    ['', 'wrong format'],
    ['２０２６-01-01', 'wrong format'],
  ])('rejects %j (%s)', (input, reason) => {
    expect(isCalendarDate(input)).toBe(false);
    let caught: unknown;
    try {
      parseCalendarDate(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidCalendarDateError);
    const error = caught as InvalidCalendarDateError;
    expect(error.code).toBe('INVALID_CALENDAR_DATE');
    expect(error.input).toBe(input);
    expect(error.message).toContain(JSON.stringify(input));
    expect(error.message).toContain(reason);
    expect(error.message).toContain("expected 'YYYY-MM-DD'");
  });

  it('rejects a non-string at run time', () => {
    expect(() => parseCalendarDate(20261201 as unknown as string)).toThrow(/not a string \(number\)/);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-12-01', 0, '2026-12-01'],
    ['2026-12-01', 30, '2026-12-31'],
    ['2026-12-01', 31, '2027-01-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-08', 1, '2026-03-09'], // a US DST change: still one calendar day
    ['1970-01-01', -1, '1969-12-31'],
    ['2026-02-01', 30, '2026-03-03'],
  ])('%s + %i = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects a day count of %s', (days) => {
    expect(() => addDays('2026-12-01', days)).toThrow(/not a whole number of days/);
  });

  it('rejects leaving the 4-digit years', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(/0000–9999/);
  });

  it('agrees with Date#toISOString for every day of years 0001–9999 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), (day) => {
        expect(addDays('1970-01-01', day)).toBe(isoOfEpochDay(day));
        expect(epochDay(isoOfEpochDay(day))).toBe(day);
      }),
      { numRuns: 2000 },
    );
  });

  it('is undone by the opposite count and measured by daysBetween (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: -20_000, max: 20_000 }),
        (start, n) => {
          const date = isoOfEpochDay(start);
          const moved = addDays(date, n);
          expect(daysBetween(date, moved)).toBe(n);
          expect(addDays(moved, -n)).toBe(date);
        },
      ),
    );
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-12-01', '2026-12-31', 30],
    ['2026-12-31', '2026-12-01', -30],
    ['2026-12-01', '2026-12-01', 0],
    ['2024-01-01', '2025-01-01', 366],
    ['2026-01-01', '2027-01-01', 365],
    ['2026-03-07', '2026-03-09', 2], // across the US DST change
    ['2026-10-31', '2026-11-02', 2], // across the US DST end
  ])('%s → %s = %i', (a, b, expected) => {
    expect(daysBetween(a, b)).toBe(expected);
  });

  it('validates both dates', () => {
    expect(() => daysBetween('2026-12-01', '2026-02-30')).toThrow(InvalidCalendarDateError);
    expect(() => daysBetween('2026-13-01', '2026-12-01')).toThrow(InvalidCalendarDateError);
  });
});

describe('dayOfWeek', () => {
  it.each([
    ['1970-01-01', 4],
    ['2026-12-01', 2],
    ['2026-05-02', 6],
    ['2026-05-03', 0],
    ['2026-05-04', 1],
    ['2000-02-29', 2],
    ['1969-12-31', 3],
  ])('%s → %i', (date, expected) => {
    expect(dayOfWeek(date)).toBe(expected);
  });

  it('agrees with Date#getUTCDay (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), (day) => {
        expect(dayOfWeek(isoOfEpochDay(day))).toBe(new Date(day * DAY_MS).getUTCDay());
      }),
    );
  });
});

describe('calendarDateIn', () => {
  it('2026-12-01T15:30Z is 2026-12-02 in Asia/Tokyo, whatever the process TZ', () => {
    expect(calendarDateIn(new Date('2026-12-01T15:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-02');
  });

  it.each([
    ['2026-12-01T15:30:00Z', 'UTC', '2026-12-01'],
    ['2026-12-01T15:30:00Z', 'America/Los_Angeles', '2026-12-01'],
    ['2026-12-01T14:59:59.999Z', 'Asia/Tokyo', '2026-12-01'],
    ['2026-12-01T15:00:00.000Z', 'Asia/Tokyo', '2026-12-02'],
    ['2026-12-31T15:00:00Z', 'Asia/Tokyo', '2027-01-01'],
    ['2027-01-01T07:59:59Z', 'America/Los_Angeles', '2026-12-31'],
    ['2027-01-01T08:00:00Z', 'America/Los_Angeles', '2027-01-01'],
    ['2026-03-08T09:59:00Z', 'America/Los_Angeles', '2026-03-08'], // DST starts at 10:00Z
    ['2024-02-28T15:00:00Z', 'Asia/Tokyo', '2024-02-29'],
  ])('%s in %s is %s', (instant, zone, expected) => {
    expect(calendarDateIn(new Date(instant), zone)).toBe(expected);
  });

  it('matches UTC+9 arithmetic for Asia/Tokyo at any instant (property)', () => {
    const min = Date.parse('1990-01-01T00:00:00Z');
    const max = Date.parse('2060-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        const expected = new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);
        expect(calendarDateIn(new Date(ms), 'Asia/Tokyo')).toBe(expected);
      }),
    );
  });

  it('throws a typed error for an unknown zone', () => {
    expect(() => calendarDateIn(new Date('2026-12-01T00:00:00Z'), 'Asia/Tokio')).toThrow(
      InvalidTimeZoneError,
    );
    expect(() => calendarDateIn(new Date('2026-12-01T00:00:00Z'), 'Asia/Tokio')).toThrow(/'Asia\/Tokyo'/);
  });

  it('throws for an invalid Date', () => {
    expect(() => calendarDateIn(new Date('nope'), 'Asia/Tokyo')).toThrow(/not a valid Date/);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Asia/Tokyo', true],
    ['America/Los_Angeles', true],
    ['UTC', true],
    ['Asia/Tokio', false],
    ['Not/A_Zone', false],
    ['', false],
  ])('%j → %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });
});
