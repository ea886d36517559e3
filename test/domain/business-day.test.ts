import holidayJp from '@holiday-jp/holiday_jp';
import { describe, expect, it } from 'vitest';
import {
  businessDayCheck,
  ClosureSpecError,
  HolidayDataOutOfRangeError,
  holidayDataYears,
  holidayName,
  inClosure,
  parseClosures,
} from '../../src/domain/business-day.ts';
import { InvalidCalendarDateError } from '../../src/domain/calendar-date.ts';

// Every Japanese national holiday of 2026 and 2027 (内閣府「国民の祝日」), written out by hand and
// named as @holiday-jp/holiday_jp names them ('休日' is a 国民の休日, '… 振替休日' a substitute).
const HOLIDAYS_2026_2027: ReadonlyArray<readonly [string, string]> = [
  ['2026-01-01', '元日'],
  ['2026-01-12', '成人の日'],
  ['2026-02-11', '建国記念の日'],
  ['2026-02-23', '天皇誕生日'],
  ['2026-03-20', '春分の日'],
  ['2026-04-29', '昭和の日'],
  ['2026-05-03', '憲法記念日'],
  ['2026-05-04', 'みどりの日'],
  ['2026-05-05', 'こどもの日'],
  ['2026-05-06', 'こどもの日 振替休日'],
  ['2026-07-20', '海の日'],
  ['2026-08-11', '山の日'],
  ['2026-09-21', '敬老の日'],
  ['2026-09-22', '休日'],
  ['2026-09-23', '秋分の日'],
  ['2026-10-12', 'スポーツの日'],
  ['2026-11-03', '文化の日'],
  ['2026-11-23', '勤労感謝の日'],
  ['2027-01-01', '元日'],
  ['2027-01-11', '成人の日'],
  ['2027-02-11', '建国記念の日'],
  ['2027-02-23', '天皇誕生日'],
  ['2027-03-21', '春分の日'],
  ['2027-03-22', '春分の日 振替休日'],
  ['2027-04-29', '昭和の日'],
  ['2027-05-03', '憲法記念日'],
  ['2027-05-04', 'みどりの日'],
  ['2027-05-05', 'こどもの日'],
  ['2027-07-19', '海の日'],
  ['2027-08-11', '山の日'],
  ['2027-09-20', '敬老の日'],
  ['2027-09-23', '秋分の日'],
  ['2027-10-11', 'スポーツの日'],
  ['2027-11-03', '文化の日'],
  ['2027-11-23', '勤労感謝の日'],
];
const HOLIDAY_NAMES = new Map(HOLIDAYS_2026_2027);

/** Every date of a year, built with UTC arithmetic only (independent of the code under test). */
function datesOf(year: number): string[] {
  const dates: string[] = [];
  for (let t = Date.UTC(year, 0, 1); new Date(t).getUTCFullYear() === year; t += 86_400_000) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}

const utcWeekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

const EXPECTED_OFFSET: Record<string, number> = { 'America/Los_Angeles': 480, 'Asia/Tokyo': -540 };
const processZone = process.env.TZ ?? '';

describe('the process time zone of this run', () => {
  it.runIf(processZone in EXPECTED_OFFSET)(`is really ${processZone} (so the TZ runs differ)`, () => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(EXPECTED_OFFSET[processZone]);
  });
});

describe('national holidays 2026–2027', () => {
  it('the package lists exactly the hand-written holidays for these years', () => {
    const fromPackage = Object.values(holidayJp.holidays)
      .filter((h) => h.date.startsWith('2026-') || h.date.startsWith('2027-'))
      .map((h) => [h.date, h.name]);
    expect(fromPackage).toEqual(HOLIDAYS_2026_2027);
  });

  it.each(HOLIDAYS_2026_2027)('%s is a holiday: %s', (date, name) => {
    expect(businessDayCheck(date, [])).toEqual({ business: false, reason: 'holiday', name });
    expect(holidayName(date)).toBe(name);
  });

  it('2026-05-06 is a substitute holiday (振替休日) for Sunday 2026-05-03', () => {
    expect(utcWeekday('2026-05-03')).toBe(0);
    expect(utcWeekday('2026-05-06')).toBe(3);
    expect(businessDayCheck('2026-05-06', [])).toEqual({
      business: false,
      reason: 'holiday',
      name: 'こどもの日 振替休日',
    });
  });

  it('2026-09-22 is a 国民の休日, a weekday between 敬老の日 and 秋分の日', () => {
    expect(utcWeekday('2026-09-22')).toBe(2);
    expect(businessDayCheck('2026-09-21', [])).toMatchObject({ reason: 'holiday', name: '敬老の日' });
    expect(businessDayCheck('2026-09-22', [])).toEqual({ business: false, reason: 'holiday', name: '休日' });
    expect(businessDayCheck('2026-09-23', [])).toMatchObject({ reason: 'holiday', name: '秋分の日' });
  });

  it('2027-03-22 is a substitute holiday for Sunday 2027-03-21 (春分の日)', () => {
    expect(utcWeekday('2027-03-21')).toBe(0);
    expect(businessDayCheck('2027-03-22', [])).toEqual({
      business: false,
      reason: 'holiday',
      name: '春分の日 振替休日',
    });
  });

  it('reports a holiday on a Sunday as the holiday', () => {
    expect(businessDayCheck('2026-05-03', [])).toEqual({
      business: false,
      reason: 'holiday',
      name: '憲法記念日',
    });
  });

  it.each(['2026-12-01', '2026-01-02', '2026-05-07', '2026-09-24', '2026-12-28', '2027-03-23', '2027-05-06'])(
    '%s is a business day',
    (date) => {
      expect(businessDayCheck(date, [])).toEqual({ business: true });
      expect(holidayName(date)).toBeNull();
    },
  );

  it.each([
    ['2026-12-05', '土曜日'],
    ['2026-12-06', '日曜日'],
    ['2027-01-02', '土曜日'],
    ['2027-01-03', '日曜日'],
  ])('%s is a weekend (%s)', (date, name) => {
    expect(businessDayCheck(date, [])).toEqual({ business: false, reason: 'weekend', name });
  });

  it.each([
    [2026, 244],
    [2027, 245],
  ])('classifies every day of %i (%i business days)', (year, businessDays) => {
    let count = 0;
    for (const date of datesOf(year)) {
      const weekday = utcWeekday(date);
      const holiday = HOLIDAY_NAMES.get(date);
      const expected =
        holiday !== undefined
          ? { business: false, reason: 'holiday', name: holiday }
          : weekday === 0 || weekday === 6
            ? { business: false, reason: 'weekend', name: weekday === 0 ? '日曜日' : '土曜日' }
            : { business: true };
      const actual = businessDayCheck(date, []);
      expect(actual, date).toEqual(expected);
      if (actual.business) count += 1;
    }
    expect(count).toBe(businessDays);
  });

  it('agrees with holiday_jp.isHoliday on a local-midnight Date for every day of 2026–2027', () => {
    for (const date of [...datesOf(2026), ...datesOf(2027)]) {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const local = new Date(y, m - 1, d);
      expect(holidayName(date) !== null, date).toBe(holidayJp.isHoliday(local));
    }
  });
});

describe('data range and input', () => {
  it('covers 1970–2050 with the pinned package', () => {
    expect(holidayDataYears()).toEqual({ first: 1970, last: 2050 });
  });

  it.each(['2051-01-02', '1969-12-31'])('refuses to guess for %s', (date) => {
    expect(() => businessDayCheck(date, [])).toThrow(HolidayDataOutOfRangeError);
    expect(() => businessDayCheck(date, [])).toThrow(/update the package/);
  });

  it('rejects an invalid date', () => {
    expect(() => businessDayCheck('2026-02-30', [])).toThrow(InvalidCalendarDateError);
  });
});

describe('parseClosures', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['08-15', [{ from: '08-15', to: '08-15' }]],
    [
      '12-29..01-03, 08-15',
      [
        { from: '12-29', to: '01-03' },
        { from: '08-15', to: '08-15' },
      ],
    ],
    [' 08-13 .. 08-16 ', [{ from: '08-13', to: '08-16' }]],
    ['02-29', [{ from: '02-29', to: '02-29' }]],
  ])('%j → %j', (spec, expected) => {
    expect(parseClosures(spec)).toEqual(expected);
  });

  it.each([
    ['12-32', "'12-32': day 32 is not 01–31"],
    ['13-01', "'13-01': month 13 is not 01–12"],
    ['00-10', "'00-10': month 0 is not 01–12"],
    ['02-30', "'02-30': day 30 is not 01–29"],
    ['04-31', "'04-31': day 31 is not 01–30"],
    ['1229', "'1229' is not MM-DD"],
    ['12-29..', "'' is not MM-DD"],
    ['12/29', "'12/29' is not MM-DD"],
    ['12-29..01-03..02-01', "'12-29..01-03..02-01' has more than one '..'"],
    ['08-15,', 'item 2 is empty'],
    ['08-15,,08-16', 'item 2 is empty'],
  ])('rejects %j: %s', (spec, problem) => {
    let caught: unknown;
    try {
      parseClosures(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClosureSpecError);
    const error = caught as ClosureSpecError;
    expect(error.code).toBe('INVALID_CLOSURES');
    expect(error.problems).toEqual([problem]);
    expect(error.message).toContain(problem);
    expect(error.message).toContain("e.g. '12-29..01-03,08-15'");
  });

  it('reports every bad item at once', () => {
    expect(() => parseClosures('13-01, 08-15, 02-30')).toThrow(
      expect.objectContaining({
        problems: ["'13-01': month 13 is not 01–12", "'02-30': day 30 is not 01–29"],
      }),
    );
  });
});

describe('closures', () => {
  const yearEnd = parseClosures('12-29..01-03,08-15');

  it.each([
    ['2026-12-28', { business: true }], // Monday before the closure
    ['2026-12-29', { business: false, reason: 'closure', name: '12-29..01-03' }],
    ['2026-12-31', { business: false, reason: 'closure', name: '12-29..01-03' }],
    ['2027-01-01', { business: false, reason: 'holiday', name: '元日' }], // the holiday wins
    ['2027-01-02', { business: false, reason: 'weekend', name: '土曜日' }], // the weekend wins
    ['2026-01-02', { business: false, reason: 'closure', name: '12-29..01-03' }], // Friday, after the wrap
    ['2026-01-05', { business: true }],
    ['2027-01-04', { business: true }],
    ['2029-08-15', { business: false, reason: 'closure', name: '08-15' }], // a Wednesday
    ['2029-08-14', { business: true }],
    ['2029-08-16', { business: true }],
  ])('%s with 12-29..01-03,08-15 → %j', (date, expected) => {
    expect(businessDayCheck(date, yearEnd)).toEqual(expected);
  });

  it('handles a range inside one year', () => {
    const obon = parseClosures('08-13..08-16');
    expect(businessDayCheck('2028-08-14', obon)).toEqual({
      business: false,
      reason: 'closure',
      name: '08-13..08-16',
    });
    expect(businessDayCheck('2028-08-16', obon)).toMatchObject({ reason: 'closure' });
    expect(businessDayCheck('2028-08-17', obon)).toEqual({ business: true });
    expect(businessDayCheck('2028-08-10', obon)).toEqual({ business: true });
  });

  it('matches 02-29 only in leap years', () => {
    const leap = parseClosures('02-29');
    expect(businessDayCheck('2028-02-29', leap)).toMatchObject({ reason: 'closure', name: '02-29' });
    expect(businessDayCheck('2027-03-01', leap)).toEqual({ business: true });
    expect(businessDayCheck('2027-02-26', leap)).toEqual({ business: true });
  });

  it('inClosure works on month-days whatever the year', () => {
    const range = { from: '12-29', to: '01-03' };
    expect(['2026-12-29', '2030-01-03', '1999-12-31'].map((d) => inClosure(d, range))).toEqual([
      true,
      true,
      true,
    ]);
    expect(['2026-12-28', '2030-01-04', '2026-06-15'].map((d) => inClosure(d, range))).toEqual([
      false,
      false,
      false,
    ]);
  });
});
