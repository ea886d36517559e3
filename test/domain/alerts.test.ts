import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertsForCycles,
  compareAlerts,
  groupAlertsByOffice,
  RENEWAL_WINDOW_DAYS,
  recipientName,
  sortAlerts,
} from '../../src/domain/alerts.ts';
import { InvalidCalendarDateError } from '../../src/domain/calendar-date.ts';
import type { Alert, LatestCycle } from '../../src/domain/types.ts';

const D = '2026-12-01';

function cycle(overrides: Partial<LatestCycle> = {}): LatestCycle {
  return {
    officeId: 'office-1',
    recipientId: 'r-1',
    lastName: '山田',
    firstName: '太郎',
    nextRenewalDeadline: null,
    hasAssessment: true,
    ...overrides,
  };
}

function alert(overrides: Partial<Alert> & Pick<Alert, 'type'>): Alert {
  return {
    officeId: 'office-1',
    recipientId: 'r',
    name: '山田 太郎',
    deadline: null,
    daysRemaining: null,
    message: '',
    ...overrides,
  };
}

describe('RENEWAL_WINDOW_DAYS', () => {
  it('is 30', () => {
    expect(RENEWAL_WINDOW_DAYS).toBe(30);
  });
});

describe('recipientName', () => {
  it('joins last and first name with one half-width space (U+0020), not U+3000', () => {
    expect(recipientName('山田', '太郎')).toBe('山田\u0020太郎');
    expect(recipientName('山田', '太郎')).not.toContain('\u3000');
  });
});

describe('alertsForCycles: renewal window and boundary days', () => {
  it.each([
    // deadline, expected type, daysRemaining, message
    ['2026-12-31', 'renewal_deadline', 30, '山田 太郎の更新期限まで残り30日'], // D+30: kept
    ['2026-12-30', 'renewal_deadline', 29, '山田 太郎の更新期限まで残り29日'],
    ['2026-12-02', 'renewal_deadline', 1, '山田 太郎の更新期限まで残り1日'], // D+1
    ['2026-12-01', 'renewal_overdue', 0, '山田 太郎の更新期限が過ぎています'], // D itself
    ['2026-11-30', 'renewal_overdue', -1, '山田 太郎の更新期限が過ぎています'],
    ['2026-06-01', 'renewal_overdue', -183, '山田 太郎の更新期限が過ぎています'],
  ] as const)('deadline %s → %s (%i days)', (deadline, type, daysRemaining, message) => {
    const alerts = alertsForCycles([cycle({ nextRenewalDeadline: deadline })], D);
    expect(alerts).toEqual([
      { type, officeId: 'office-1', recipientId: 'r-1', name: '山田 太郎', deadline, daysRemaining, message },
    ]);
  });

  it.each(['2027-01-01', '2027-06-01'])('deadline %s (beyond D+30) gives no alert', (deadline) => {
    expect(alertsForCycles([cycle({ nextRenewalDeadline: deadline })], D)).toEqual([]);
  });

  it('gives no alert for a cycle with no deadline and an assessment', () => {
    expect(alertsForCycles([cycle()], D)).toEqual([]);
  });

  it('counts calendar days across a short February', () => {
    expect(alertsForCycles([cycle({ nextRenewalDeadline: '2026-03-03' })], '2026-02-01')).toMatchObject([
      { type: 'renewal_deadline', daysRemaining: 30 },
    ]);
    expect(alertsForCycles([cycle({ nextRenewalDeadline: '2026-03-04' })], '2026-02-01')).toEqual([]);
  });

  it('counts calendar days across the year end', () => {
    expect(alertsForCycles([cycle({ nextRenewalDeadline: '2027-01-05' })], '2026-12-28')).toMatchObject([
      { type: 'renewal_deadline', daysRemaining: 8, message: '山田 太郎の更新期限まで残り8日' },
    ]);
  });
});

describe('alertsForCycles: assessment', () => {
  it('raises an assessment alert for a missing assessment_sheet, with no date window', () => {
    const far = cycle({ recipientId: 'r-far', nextRenewalDeadline: '2027-12-01', hasAssessment: false });
    const none = cycle({ recipientId: 'r-none', nextRenewalDeadline: null, hasAssessment: false });
    expect(alertsForCycles([far, none], D)).toEqual([
      {
        type: 'assessment_incomplete',
        officeId: 'office-1',
        recipientId: 'r-far',
        name: '山田 太郎',
        deadline: null,
        daysRemaining: null,
        message: '山田 太郎のアセスメントが完了していません',
      },
      {
        type: 'assessment_incomplete',
        officeId: 'office-1',
        recipientId: 'r-none',
        name: '山田 太郎',
        deadline: null,
        daysRemaining: null,
        message: '山田 太郎のアセスメントが完了していません',
      },
    ]);
  });

  it('gives one cycle both a renewal and an assessment alert', () => {
    const alerts = alertsForCycles([cycle({ nextRenewalDeadline: '2026-12-06', hasAssessment: false })], D);
    expect(alerts.map((a) => [a.type, a.daysRemaining, a.message])).toEqual([
      ['renewal_deadline', 5, '山田 太郎の更新期限まで残り5日'],
      ['assessment_incomplete', null, '山田 太郎のアセスメントが完了していません'],
    ]);
  });

  it('gives an overdue cycle both an overdue and an assessment alert', () => {
    const alerts = alertsForCycles([cycle({ nextRenewalDeadline: '2026-11-01', hasAssessment: false })], D);
    expect(alerts.map((a) => a.type)).toEqual(['renewal_overdue', 'assessment_incomplete']);
  });
});

describe('alertsForCycles: input handling', () => {
  it('keeps hostile names verbatim (escaping is the renderer’s job)', () => {
    const [a] = alertsForCycles(
      [cycle({ lastName: '<b>"&', firstName: "'x\n", nextRenewalDeadline: '2026-12-03' })],
      D,
    );
    expect(a?.name).toBe('<b>"& \'x\n');
    expect(a?.message).toBe('<b>"& \'x\nの更新期限まで残り2日');
  });

  it('rejects an invalid run date even with no cycles', () => {
    expect(() => alertsForCycles([], '2026-02-30')).toThrow(InvalidCalendarDateError);
  });

  it('rejects an invalid deadline', () => {
    expect(() => alertsForCycles([cycle({ nextRenewalDeadline: '2026-02-30' })], D)).toThrow(
      InvalidCalendarDateError,
    );
  });
});

describe('ordering inside an office', () => {
  const overdueLate = alert({
    type: 'renewal_overdue',
    recipientId: 'o2',
    name: '阿部 一',
    deadline: '2026-11-20',
  });
  const overdueEarly = alert({
    type: 'renewal_overdue',
    recipientId: 'o1',
    name: '渡辺 二',
    deadline: '2026-10-01',
  });
  const renewalSuzuki = alert({
    type: 'renewal_deadline',
    recipientId: 'n2',
    name: '鈴木 花子',
    deadline: '2026-12-10',
  });
  const renewalSato = alert({
    type: 'renewal_deadline',
    recipientId: 'n1',
    name: '佐藤 次郎',
    deadline: '2026-12-10',
  });
  const renewalEarly = alert({
    type: 'renewal_deadline',
    recipientId: 'n0',
    name: '和田 三',
    deadline: '2026-12-02',
  });
  const assessA = alert({ type: 'assessment_incomplete', recipientId: 'a2', name: '佐藤 次郎' });
  const assessB = alert({ type: 'assessment_incomplete', recipientId: 'a1', name: '井上 四' });
  const expected = ['o1', 'o2', 'n0', 'n1', 'n2', 'a1', 'a2'];

  it('puts overdue, then renewal by deadline then name, then assessment by name', () => {
    const shuffled = [assessA, renewalSuzuki, overdueLate, assessB, renewalSato, overdueEarly, renewalEarly];
    expect(sortAlerts(shuffled).map((a) => a.recipientId)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const input = [assessA, overdueEarly];
    sortAlerts(input);
    expect(input).toEqual([assessA, overdueEarly]);
  });

  it('compares names by UTF-16 code unit, not by locale', () => {
    const upper = alert({ type: 'assessment_incomplete', recipientId: 'x', name: 'Zeta' });
    const lower = alert({ type: 'assessment_incomplete', recipientId: 'y', name: 'alpha' });
    // localeCompare would put 'alpha' first; code-unit order puts 'Z' (0x5A) before 'a' (0x61).
    expect(sortAlerts([lower, upper]).map((a) => a.name)).toEqual(['Zeta', 'alpha']);
  });

  it('breaks a tie of deadline and name on recipient id', () => {
    const second = alert({ type: 'renewal_deadline', recipientId: 'r-2', deadline: '2026-12-10' });
    const first = alert({ type: 'renewal_deadline', recipientId: 'r-1', deadline: '2026-12-10' });
    expect(sortAlerts([second, first]).map((a) => a.recipientId)).toEqual(['r-1', 'r-2']);
  });

  it('gives the same order whatever the input order (property)', () => {
    const all = [overdueLate, overdueEarly, renewalSuzuki, renewalSato, renewalEarly, assessA, assessB];
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (shuffled) => {
        expect(sortAlerts(shuffled).map((a) => a.recipientId)).toEqual(expected);
      }),
    );
  });

  it('is a consistent comparator (antisymmetric) on generated alerts (property)', () => {
    const arbAlert = fc.record({
      type: fc.constantFrom('renewal_overdue', 'renewal_deadline', 'assessment_incomplete') as fc.Arbitrary<
        Alert['type']
      >,
      recipientId: fc.string({ maxLength: 3 }),
      name: fc.string({ maxLength: 3 }),
      deadline: fc.option(fc.constantFrom('2026-11-30', '2026-12-01', '2026-12-10'), { nil: null }),
    });
    fc.assert(
      fc.property(arbAlert, arbAlert, (x, y) => {
        const a = alert(x);
        const b = alert(y);
        // `+ 0` turns -0 into 0: equal alerts compare 0 both ways, and toBe tells -0 from 0.
        expect(Math.sign(compareAlerts(a, b)) + 0).toBe(-Math.sign(compareAlerts(b, a)) + 0);
      }),
    );
  });
});

describe('groupAlertsByOffice', () => {
  it('groups by office id in id order, each office sorted, from alertsForCycles output', () => {
    const alerts = alertsForCycles(
      [
        cycle({ officeId: 'office-b', recipientId: 'b1', hasAssessment: false }),
        cycle({ officeId: 'office-a', recipientId: 'a1', hasAssessment: false, lastName: '佐藤' }),
        cycle({ officeId: 'office-a', recipientId: 'a2', nextRenewalDeadline: '2026-11-01' }),
        cycle({ officeId: 'office-b', recipientId: 'b2', nextRenewalDeadline: '2026-12-20' }),
        cycle({ officeId: 'office-c', recipientId: 'c1', nextRenewalDeadline: '2027-03-01' }), // no alert
      ],
      D,
    );
    const grouped = groupAlertsByOffice(alerts);
    expect([...grouped.keys()]).toEqual(['office-a', 'office-b']);
    expect(grouped.get('office-a')?.map((a) => [a.recipientId, a.type])).toEqual([
      ['a2', 'renewal_overdue'],
      ['a1', 'assessment_incomplete'],
    ]);
    expect(grouped.get('office-b')?.map((a) => [a.recipientId, a.type])).toEqual([
      ['b2', 'renewal_deadline'],
      ['b1', 'assessment_incomplete'],
    ]);
  });

  it('returns an empty map for no alerts', () => {
    expect(groupAlertsByOffice([]).size).toBe(0);
  });
});
