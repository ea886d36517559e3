// The business-day gate: Saturdays, Sundays, Japanese national holidays (with substitute holidays
// and 国民の休日) and the operator's closure ranges are not business days.

import holidayJp from '@holiday-jp/holiday_jp';
import { dayOfWeek, daysInMonth, parseCalendarDate } from './calendar-date.ts';
import { DomainError } from './domain-error.ts';
import type { CalendarDate } from './types.ts';

/** A yearly closure, month-day to month-day inclusive ('MM-DD'); from > to wraps the year end. */
export interface ClosureRange {
  from: string;
  to: string;
}

export type BusinessDayCheck =
  | { business: true }
  | { business: false; reason: 'holiday'; name: string }
  | { business: false; reason: 'weekend'; name: '土曜日' | '日曜日' }
  | { business: false; reason: 'closure'; name: string };

export class ClosureSpecError extends DomainError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      'INVALID_CLOSURES',
      `invalid closure list:\n${problems.map((p) => `  - ${p}`).join('\n')}\nWrite comma-separated 'MM-DD' days or 'MM-DD..MM-DD' ranges, e.g. '12-29..01-03,08-15'.`,
    );
    this.name = 'ClosureSpecError';
    this.problems = problems;
  }
}

export class HolidayDataOutOfRangeError extends DomainError {
  readonly date: CalendarDate;
  constructor(date: CalendarDate) {
    const { first, last } = holidayDataYears();
    super(
      'HOLIDAY_DATA_OUT_OF_RANGE',
      `the holiday data of @holiday-jp/holiday_jp ${holidayJp.VERSION} covers ${first}–${last}, not ${date}; update the package (or run with --force)`,
    );
    this.name = 'HolidayDataOutOfRangeError';
    this.date = date;
  }
}

// We look the holiday up by its 'YYYY-MM-DD' key in the package's table rather than calling
// isHoliday(new Date(y, m - 1, d)): the table is the package's data, typed in its .d.ts, and a
// string key involves no Date at all, so the answer cannot depend on the process time zone
// (the tests cross-check it against isHoliday under TZ=America/Los_Angeles and Asia/Tokyo).
// It is also O(1), where isHoliday scans every key on each call.
const HOLIDAYS: Readonly<Record<string, { readonly name: string } | undefined>> = holidayJp.holidays;

let dataYears: Readonly<{ first: number; last: number }> | undefined;

/** The years the package's holiday data covers (1970–2050 in 2.5.1); computed on first use. */
export function holidayDataYears(): Readonly<{ first: number; last: number }> {
  if (!dataYears) {
    const years = Object.keys(HOLIDAYS).map((date) => Number(date.slice(0, 4)));
    dataYears = Object.freeze({ first: Math.min(...years), last: Math.max(...years) });
  }
  return dataYears;
}

/** The Japanese name of a national holiday ('こどもの日 振替休日', '休日' for 国民の休日), or null. */
export function holidayName(date: CalendarDate): string | null {
  parseCalendarDate(date);
  const year = Number(date.slice(0, 4));
  const { first, last } = holidayDataYears();
  if (year < first || year > last) throw new HolidayDataOutOfRangeError(date);
  return Object.hasOwn(HOLIDAYS, date) ? (HOLIDAYS[date]?.name ?? null) : null;
}

function closureLabel(range: ClosureRange): string {
  return range.from === range.to ? range.from : `${range.from}..${range.to}`;
}

/** Whether the date's month-day falls in the range (ranges with from > to wrap the year end). */
export function inClosure(date: CalendarDate, range: ClosureRange): boolean {
  const monthDay = parseCalendarDate(date).slice(5);
  return range.from <= range.to
    ? range.from <= monthDay && monthDay <= range.to
    : monthDay >= range.from || monthDay <= range.to;
}

/**
 * Whether `date` (a date in the office's time zone) is a business day. Precedence when several
 * apply: a national holiday is reported with its name even on a weekend, then the weekend, then
 * the first matching closure (named by its range, e.g. '12-29..01-03').
 * Throws HolidayDataOutOfRangeError outside the years of the holiday data rather than guess.
 */
export function businessDayCheck(
  date: CalendarDate,
  closures: readonly ClosureRange[] = [],
): BusinessDayCheck {
  const holiday = holidayName(date);
  if (holiday !== null) return { business: false, reason: 'holiday', name: holiday };
  const weekday = dayOfWeek(date);
  if (weekday === 0) return { business: false, reason: 'weekend', name: '日曜日' };
  if (weekday === 6) return { business: false, reason: 'weekend', name: '土曜日' };
  const closure = closures.find((range) => inClosure(date, range));
  if (closure) return { business: false, reason: 'closure', name: closureLabel(closure) };
  return { business: true };
}

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

function monthDayProblem(text: string): string | null {
  const match = MONTH_DAY.exec(text);
  if (!match) return `'${text}' is not MM-DD`;
  const month = Number(match[1]);
  const day = Number(match[2]);
  if (month < 1 || month > 12) return `'${text}': month ${month} is not 01–12`;
  const last = daysInMonth(2000, month); // a leap year, so 02-29 is accepted (it matches in leap years only)
  if (day < 1 || day > last) return `'${text}': day ${day} is not 01–${last}`;
  return null;
}

/**
 * Parses a comma-separated closure list: '12-29..01-03,08-15' (spaces allowed around items).
 * An empty or blank spec is no closures. Reports every bad item at once in a ClosureSpecError.
 */
export function parseClosures(spec: string): ClosureRange[] {
  if (spec.trim() === '') return [];
  const ranges: ClosureRange[] = [];
  const problems: string[] = [];
  spec.split(',').forEach((raw, index) => {
    const item = raw.trim();
    if (item === '') {
      problems.push(`item ${index + 1} is empty`);
      return;
    }
    const ends = item.split('..');
    if (ends.length > 2) {
      problems.push(`'${item}' has more than one '..'`);
      return;
    }
    const from = (ends[0] ?? '').trim();
    const to = (ends[1] ?? from).trim();
    const bad = [monthDayProblem(from), to === from ? null : monthDayProblem(to)].filter((p) => p !== null);
    if (bad.length > 0) problems.push(...bad);
    else ranges.push({ from, to });
  });
  if (problems.length > 0) throw new ClosureSpecError(problems);
  return ranges;
}
