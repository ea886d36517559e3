// Calendar dates ('YYYY-MM-DD', no time, no zone) and the one bridge from an instant to a date.
// Arithmetic is on whole days since 1970-01-01 (the same numbers as UTC midnights), computed with
// integers: no Date object in the process time zone is ever involved, and no two-digit-year
// surprise from Date.UTC(0..99, …).

import { DomainError } from './domain-error.ts';
import type { CalendarDate } from './types.ts';

export class InvalidCalendarDateError extends DomainError {
  readonly input: unknown;
  constructor(input: unknown, reason: string) {
    super(
      'INVALID_CALENDAR_DATE',
      `invalid calendar date ${JSON.stringify(input) ?? String(input)}: ${reason}; expected 'YYYY-MM-DD', e.g. '2026-12-01'`,
    );
    this.name = 'InvalidCalendarDateError';
    this.input = input;
  }
}

export class InvalidTimeZoneError extends DomainError {
  readonly timeZone: string;
  constructor(timeZone: string, options?: { cause?: unknown }) {
    super(
      'INVALID_TIME_ZONE',
      `unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as 'Asia/Tokyo'`,
      options,
    );
    this.name = 'InvalidTimeZoneError';
    this.timeZone = timeZone;
  }
}

/** 0 = Sunday … 6 = Saturday (the same numbering as Date#getUTCDay). */
export type DayOfWeek = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (1–12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

interface Ymd {
  year: number;
  month: number;
  day: number;
}

function splitDate(input: unknown): Ymd {
  if (typeof input !== 'string') throw new InvalidCalendarDateError(input, `not a string (${typeof input})`);
  const match = DATE_PATTERN.exec(input);
  if (!match) throw new InvalidCalendarDateError(input, 'wrong format');
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) throw new InvalidCalendarDateError(input, `month ${month} is not 1–12`);
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    throw new InvalidCalendarDateError(input, `day ${day} is not 1–${last} in ${match[1]}-${match[2]}`);
  }
  return { year, month, day };
}

/** Validates a 'YYYY-MM-DD' string and returns it; throws InvalidCalendarDateError (e.g. '2026-02-30'). */
export function parseCalendarDate(input: string): CalendarDate {
  splitDate(input);
  return input;
}

export function isCalendarDate(input: unknown): input is CalendarDate {
  try {
    splitDate(input);
    return true;
  } catch {
    return false;
  }
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain): exact for every year.
function toEpochDay({ year, month, day }: Ymd): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function fromEpochDay(epochDay: number): CalendarDate {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {
    throw new DomainError(
      'CALENDAR_DATE_OUT_OF_RANGE',
      `date arithmetic left the years 0000–9999 (year ${year})`,
    );
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whole days since 1970-01-01 (negative before it). */
export function epochDay(date: CalendarDate): number {
  return toEpochDay(splitDate(date));
}

/** The date `days` days after `date` (before it when negative). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (!Number.isSafeInteger(days)) {
    throw new DomainError('INVALID_DAY_COUNT', `addDays: ${days} is not a whole number of days`);
  }
  return fromEpochDay(epochDay(date) + days);
}

/** b − a in whole days: daysBetween('2026-12-01', '2026-12-31') === 30. */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return epochDay(b) - epochDay(a);
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function dayOfWeek(date: CalendarDate): DayOfWeek {
  return ((((epochDay(date) + 4) % 7) + 7) % 7) as DayOfWeek;
}

// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch (error) {
      throw new InvalidTimeZoneError(timeZone, { cause: error });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the zone (IANA names and their aliases, e.g. 'Asia/Tokyo', 'UTC'). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The calendar date of `instant` in `timeZone`, whatever TZ the process runs under:
 * calendarDateIn(new Date('2026-12-01T15:30:00Z'), 'Asia/Tokyo') === '2026-12-02'.
 */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new DomainError('INVALID_INSTANT', `calendarDateIn: ${String(instant)} is not a valid Date`);
  }
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return parseCalendarDate(`${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`);
}
