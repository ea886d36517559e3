// What each staff member is told on one channel: the kept alerts of their offices, as one digest
// or one notice per office.

import { sortAlerts } from './alerts.ts';
import { DomainError } from './domain-error.ts';
import { keepForChannel } from './preferences.ts';
import { compareText } from './text-order.ts';
import type { Alert, ChannelName, Notice, Office, OfficeSection, StaffMember } from './types.ts';

/** digest: one notice per staff member with a section per office; per-office: one notice per office. */
export const NOTICE_GROUPINGS = ['digest', 'per-office'] as const;
export type NoticeGrouping = (typeof NOTICE_GROUPINGS)[number];

export interface BuildNoticesInput {
  staff: readonly StaffMember[];
  /** The offices being planned, by id; every office of a staff member that has alerts must be here. */
  offices: ReadonlyMap<string, Office>;
  /** Alerts by office id (groupAlertsByOffice); an office without alerts may be absent. */
  alertsByOffice: ReadonlyMap<string, readonly Alert[]>;
  channel: ChannelName;
  grouping: NoticeGrouping;
}

export class UnknownOfficeError extends DomainError {
  readonly officeId: string;
  readonly staffId: string;
  constructor(officeId: string, staffId: string) {
    super(
      'UNKNOWN_OFFICE',
      `staff ${staffId} has alerts for office ${officeId}, which is not among the offices passed to buildNotices; pass every office of the chunk`,
    );
    this.name = 'UnknownOfficeError';
    this.officeId = officeId;
    this.staffId = staffId;
  }
}

function compareOffices(a: Office, b: Office): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id);
}

function sectionsFor(member: StaffMember, input: BuildNoticesInput): OfficeSection[] {
  const sections: OfficeSection[] = [];
  for (const officeId of new Set(member.officeIds)) {
    const kept = keepForChannel(input.alertsByOffice.get(officeId) ?? [], member.preferences, input.channel);
    if (kept.length === 0) continue;
    const office = input.offices.get(officeId);
    if (!office) throw new UnknownOfficeError(officeId, member.id);
    sections.push({ office, alerts: sortAlerts(kept) });
  }
  return sections.sort((a, b) => overdueFirst(a) - overdueFirst(b) || compareOffices(a.office, b.office));
}

/** product.md: in a digest, offices with an overdue alert come first, then by office name. */
function overdueFirst(section: OfficeSection): number {
  return section.alerts.some((a) => a.type === 'renewal_overdue') ? 0 : 1;
}

/**
 * The notices of one channel, in staff order (then office order for per-office). Sections with no
 * kept alerts are dropped and a staff member with no section gets no notice, so a channel that is
 * off, or has nothing within its threshold, yields nothing. Offices with an overdue alert come first,
 * then by name, then id;
 * alerts in display order (compareAlerts).
 */
export function buildNotices(input: BuildNoticesInput): Notice[] {
  const notices: Notice[] = [];
  for (const member of input.staff) {
    const sections = sectionsFor(member, input);
    if (sections.length === 0) continue;
    const base = {
      staffId: member.id,
      email: member.email,
      fullName: member.fullName,
      channel: input.channel,
    };
    if (input.grouping === 'digest') {
      notices.push({ ...base, sections });
    } else {
      for (const section of sections) notices.push({ ...base, sections: [section] });
    }
  }
  return notices;
}

export interface NoticeCounts {
  overdue: number;
  renewal: number;
  assessment: number;
}

/** Totals over every section: overdue = renewal_overdue, renewal = renewal_deadline. */
export function noticeCounts(notice: Notice): NoticeCounts {
  const counts: NoticeCounts = { overdue: 0, renewal: 0, assessment: 0 };
  for (const section of notice.sections) {
    for (const alert of section.alerts) {
      if (alert.type === 'renewal_overdue') counts.overdue += 1;
      else if (alert.type === 'renewal_deadline') counts.renewal += 1;
      else if (alert.type === 'assessment_incomplete') counts.assessment += 1;
    }
  }
  return counts;
}

/** True when the notice carries an overdue renewal (the channels mark it as urgent). */
export function hasOverdue(notice: Notice): boolean {
  return notice.sections.some((section) => section.alerts.some((alert) => alert.type === 'renewal_overdue'));
}
