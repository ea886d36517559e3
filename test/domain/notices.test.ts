import { describe, expect, it } from 'vitest';
import { alertsForCycles, groupAlertsByOffice } from '../../src/domain/alerts.ts';
import {
  type BuildNoticesInput,
  buildNotices,
  hasOverdue,
  noticeCounts,
  UnknownOfficeError,
} from '../../src/domain/notices.ts';
import { DEFAULT_PREFERENCES } from '../../src/domain/preferences.ts';
import type { Alert, LatestCycle, Notice, Office, Preferences, StaffMember } from '../../src/domain/types.ts';

const D = '2026-12-01';

function cycle(officeId: string, recipientId: string, overrides: Partial<LatestCycle> = {}): LatestCycle {
  return {
    officeId,
    recipientId,
    lastName: '利用者',
    firstName: recipientId,
    nextRenewalDeadline: null,
    hasAssessment: true,
    ...overrides,
  };
}

function staff(id: string, officeIds: string[], preferences: Partial<Preferences> = {}): StaffMember {
  return {
    id,
    email: `${id}@example.jp`,
    fullName: `職員 ${id}`,
    preferences: { ...DEFAULT_PREFERENCES, ...preferences },
    officeIds,
  };
}

// Office names are chosen so that name order (あおば < ひまわり < みどり) differs from id order.
const OFFICES = new Map<string, Office>([
  ['o1', { id: 'o1', name: 'みどり事業所' }],
  ['o2', { id: 'o2', name: 'あおば事業所' }],
  ['o3', { id: 'o3', name: 'ひまわり事業所' }],
  ['o4', { id: 'o4', name: 'そら事業所' }],
]);

const ALERTS_BY_OFFICE = groupAlertsByOffice(
  alertsForCycles(
    [
      cycle('o1', 'a', { nextRenewalDeadline: '2026-11-25' }), // overdue
      cycle('o1', 'b', { nextRenewalDeadline: '2026-12-21' }), // 20 days
      cycle('o1', 'c', { hasAssessment: false }),
      cycle('o2', 'd', { nextRenewalDeadline: '2026-12-04' }), // 3 days
      cycle('o2', 'e', { nextRenewalDeadline: '2026-12-04', hasAssessment: false }), // 3 days + assessment
      cycle('o4', 'f', { nextRenewalDeadline: '2026-12-26' }), // 25 days only
      // o3 has no alerts
    ],
    D,
  ),
);

function input(overrides: Partial<BuildNoticesInput>): BuildNoticesInput {
  return {
    staff: [],
    offices: OFFICES,
    alertsByOffice: ALERTS_BY_OFFICE,
    channel: 'email',
    grouping: 'digest',
    ...overrides,
  };
}

const shape = (notices: Notice[]) =>
  notices.map((n) => ({
    staffId: n.staffId,
    channel: n.channel,
    sections: n.sections.map((s) => [s.office.id, s.alerts.map((a) => `${a.recipientId}:${a.type}`)]),
  }));

describe('buildNotices: digest', () => {
  it('gives one notice per staff member with a section per office: offices with an overdue alert first, then by name', () => {
    const notices = buildNotices(input({ staff: [staff('s1', ['o1', 'o2', 'o3', 'o4'])] }));
    expect(shape(notices)).toEqual([
      {
        staffId: 's1',
        channel: 'email',
        sections: [
          // みどり has the overdue alert: before あおば and そら, though its name sorts last.
          ['o1', ['a:renewal_overdue', 'b:renewal_deadline', 'c:assessment_incomplete']],
          ['o2', ['d:renewal_deadline', 'e:renewal_deadline', 'e:assessment_incomplete']],
          ['o4', ['f:renewal_deadline']],
        ],
      },
    ]);
    expect(notices[0]).toMatchObject({ email: 's1@example.jp', fullName: '職員 s1' });
    expect(notices[0]?.sections[1]?.office).toEqual({ id: 'o2', name: 'あおば事業所' });
  });

  it('gives no notice to staff whose offices have no alerts, and keeps staff order', () => {
    const notices = buildNotices(
      input({
        staff: [staff('s3', ['o2']), staff('s-none', ['o3']), staff('s-empty', []), staff('s1', ['o1'])],
      }),
    );
    expect(notices.map((n) => n.staffId)).toEqual(['s3', 's1']);
  });

  it('drops sections with nothing inside the channel threshold', () => {
    // o4 only has a 25-day renewal; with an email threshold of 20 that section disappears.
    const notices = buildNotices(input({ staff: [staff('s1', ['o4', 'o1'], { emailThresholdDays: 20 })] }));
    expect(shape(notices)[0]?.sections.map(([id]) => id)).toEqual(['o1']);
    const none = buildNotices(input({ staff: [staff('s2', ['o4'], { emailThresholdDays: 20 })] }));
    expect(none).toEqual([]);
  });

  it('applies the threshold inside sections', () => {
    const notices = buildNotices(input({ staff: [staff('s1', ['o1'], { emailThresholdDays: 10 })] }));
    expect(shape(notices)[0]?.sections).toEqual([['o1', ['a:renewal_overdue', 'c:assessment_incomplete']]]);
  });

  it('counts a duplicated office membership once', () => {
    const notices = buildNotices(input({ staff: [staff('s1', ['o2', 'o2'])] }));
    expect(notices[0]?.sections).toHaveLength(1);
  });

  it('orders offices with the same name by id', () => {
    const offices = new Map<string, Office>([
      ['z', { id: 'z', name: '同名事業所' }],
      ['y', { id: 'y', name: '同名事業所' }],
    ]);
    const alertsByOffice = groupAlertsByOffice(
      alertsForCycles(
        [cycle('z', 'r1', { hasAssessment: false }), cycle('y', 'r2', { hasAssessment: false })],
        D,
      ),
    );
    const notices = buildNotices(input({ offices, alertsByOffice, staff: [staff('s', ['z', 'y'])] }));
    expect(notices[0]?.sections.map((s) => s.office.id)).toEqual(['y', 'z']);
  });

  it('sorts the alerts of a section even when given unsorted', () => {
    const alerts = alertsForCycles(
      [cycle('o1', 'x', { hasAssessment: false }), cycle('o1', 'y', { nextRenewalDeadline: '2026-11-01' })],
      D,
    );
    const notices = buildNotices(
      input({ alertsByOffice: new Map([['o1', alerts]]), staff: [staff('s', ['o1'])] }),
    );
    expect(notices[0]?.sections[0]?.alerts.map((a) => a.recipientId)).toEqual(['y', 'x']);
  });
});

describe('buildNotices: per-office', () => {
  it('gives one notice per staff member per office, overdue offices first, then by name', () => {
    const notices = buildNotices(
      input({ grouping: 'per-office', staff: [staff('s1', ['o1', 'o2', 'o3']), staff('s2', ['o1'])] }),
    );
    expect(shape(notices).map((n) => [n.staffId, n.sections.map(([id]) => id)])).toEqual([
      ['s1', ['o1']],
      ['s1', ['o2']],
      ['s2', ['o1']],
    ]);
  });
});

describe('buildNotices: channels', () => {
  it('builds push notices only for staff with push on, using the push threshold', () => {
    const team = [
      staff('email-only', ['o1', 'o2']),
      staff('push-only', ['o1', 'o2'], {
        emailNotification: false,
        systemNotification: true,
        pushThresholdDays: 5,
      }),
    ];
    expect(buildNotices(input({ channel: 'push', staff: team })).map((n) => n.staffId)).toEqual([
      'push-only',
    ]);
    expect(buildNotices(input({ channel: 'email', staff: team })).map((n) => n.staffId)).toEqual([
      'email-only',
    ]);
    const [push] = buildNotices(input({ channel: 'push', staff: team }));
    expect(push?.channel).toBe('push');
    expect(push && shape([push])[0]?.sections).toEqual([
      ['o1', ['a:renewal_overdue', 'c:assessment_incomplete']], // the 20-day renewal is beyond 5 days
      ['o2', ['d:renewal_deadline', 'e:renewal_deadline', 'e:assessment_incomplete']],
    ]);
  });
});

describe('buildNotices: inconsistent input', () => {
  it('throws when a staff member has alerts for an office that was not passed', () => {
    const offices = new Map([...OFFICES].filter(([id]) => id !== 'o2'));
    const run = () => buildNotices(input({ offices, staff: [staff('s1', ['o2'])] }));
    expect(run).toThrow(UnknownOfficeError);
    expect(run).toThrow(/office o2/);
  });

  it('does not mind a missing office that has no alerts', () => {
    const offices = new Map([...OFFICES].filter(([id]) => id !== 'o3'));
    expect(buildNotices(input({ offices, staff: [staff('s1', ['o3'])] }))).toEqual([]);
  });
});

describe('noticeCounts / hasOverdue', () => {
  const [digest] = buildNotices(input({ staff: [staff('s1', ['o1', 'o2'])] }));

  it('totals every section by kind', () => {
    expect(digest && noticeCounts(digest)).toEqual({ overdue: 1, renewal: 3, assessment: 2 });
  });

  it('is true only when an overdue alert is present', () => {
    expect(digest && hasOverdue(digest)).toBe(true);
    const [noOverdue] = buildNotices(input({ staff: [staff('s2', ['o2'])] }));
    expect(noOverdue && hasOverdue(noOverdue)).toBe(false);
    expect(noOverdue && noticeCounts(noOverdue)).toEqual({ overdue: 0, renewal: 2, assessment: 1 });
  });

  it('counts zero for an empty notice', () => {
    const empty: Notice = { staffId: 's', email: 'e', fullName: 'f', channel: 'email', sections: [] };
    expect(noticeCounts(empty)).toEqual({ overdue: 0, renewal: 0, assessment: 0 });
    expect(hasOverdue(empty)).toBe(false);
  });

  it('counts alert types as given', () => {
    const section = (alerts: Alert[]) => ({ office: { id: 'o', name: 'n' }, alerts });
    const a = (type: Alert['type']): Alert => ({
      type,
      officeId: 'o',
      recipientId: type,
      name: 'n',
      deadline: null,
      daysRemaining: null,
      message: '',
    });
    const notice: Notice = {
      staffId: 's',
      email: 'e',
      fullName: 'f',
      channel: 'push',
      sections: [
        section([a('renewal_overdue'), a('renewal_overdue')]),
        section([a('assessment_incomplete')]),
      ],
    };
    expect(noticeCounts(notice)).toEqual({ overdue: 2, renewal: 0, assessment: 1 });
  });
});
