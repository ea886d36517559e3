// The alert rules of product.md: which latest cycles need a notice on run date D, the message
// line of each, and the display order inside an office.

import { daysBetween, parseCalendarDate } from './calendar-date.ts';
import { comparePeople, fullReading } from './reading.ts';
import { compareText } from './text-order.ts';
import type { Alert, AlertType, CalendarDate, LatestCycle } from './types.ts';

/** A renewal alert is raised when next_renewal_deadline ≤ D + RENEWAL_WINDOW_DAYS. */
export const RENEWAL_WINDOW_DAYS = 30;

/** 氏名: last name + half-width space + first name, verbatim (free text: escape when rendering). */
export function recipientName(lastName: string, firstName: string): string {
  return `${lastName} ${firstName}`;
}

export function renewalMessage(name: string, daysRemaining: number): string {
  return daysRemaining <= 0
    ? `${name}の更新期限が過ぎています`
    : `${name}の更新期限まで残り${daysRemaining}日`;
}

export function assessmentMessage(name: string): string {
  return `${name}のアセスメントが完了していません`;
}

/**
 * The alerts for run date `runDate` (the office's "today"), in input order; a cycle can give both
 * a renewal alert and an assessment alert (renewal first). Assessment alerts have no date window,
 * and their `deadline` and `daysRemaining` are null: the deadline belongs to the renewal alert.
 * Throws InvalidCalendarDateError when runDate or a deadline is not a real 'YYYY-MM-DD' date.
 */
export function alertsForCycles(cycles: readonly LatestCycle[], runDate: CalendarDate): Alert[] {
  parseCalendarDate(runDate);
  const alerts: Alert[] = [];
  for (const cycle of cycles) {
    const name = recipientName(cycle.lastName, cycle.firstName);
    // Only set when known, so payloads of people without furigana stay as they were.
    const reading = fullReading(cycle.lastNameReading, cycle.firstNameReading);
    const person = reading ? { name, reading } : { name };
    const deadline = cycle.nextRenewalDeadline;
    if (deadline !== null) {
      const daysRemaining = daysBetween(runDate, deadline);
      if (daysRemaining <= RENEWAL_WINDOW_DAYS) {
        alerts.push({
          type: daysRemaining <= 0 ? 'renewal_overdue' : 'renewal_deadline',
          officeId: cycle.officeId,
          recipientId: cycle.recipientId,
          ...person,
          deadline,
          daysRemaining,
          message: renewalMessage(name, daysRemaining),
        });
      }
    }
    if (!cycle.hasAssessment) {
      alerts.push({
        type: 'assessment_incomplete',
        officeId: cycle.officeId,
        recipientId: cycle.recipientId,
        ...person,
        deadline: null,
        daysRemaining: null,
        message: assessmentMessage(name),
      });
    }
  }
  return alerts;
}

const GROUP_RANK: Record<AlertType, number> = {
  renewal_overdue: 0,
  renewal_deadline: 0,
  assessment_incomplete: 1,
};

/**
 * Display order inside an office: renewal alerts (overdue and upcoming) by deadline ascending —
 * so overdue ones come first — then by name; then assessment alerts by name. "By name" is 五十音順
 * of the reading where it is known, code-point order of the name otherwise (comparePeople). Ties break on
 * recipient id, then type, so the order is total.
 */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    GROUP_RANK[a.type] - GROUP_RANK[b.type] ||
    compareText(a.deadline ?? '', b.deadline ?? '') ||
    comparePeople(a, b) ||
    compareText(a.recipientId, b.recipientId) ||
    compareText(a.type, b.type)
  );
}

/** A sorted copy (see compareAlerts); the input is not modified. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(compareAlerts);
}

/** Alerts grouped by office id; offices in id order, each office's alerts in display order. */
export function groupAlertsByOffice(alerts: readonly Alert[]): Map<string, Alert[]> {
  const groups = new Map<string, Alert[]>();
  for (const alert of alerts) {
    const group = groups.get(alert.officeId);
    if (group) group.push(alert);
    else groups.set(alert.officeId, [alert]);
  }
  const sorted = new Map<string, Alert[]>();
  for (const officeId of [...groups.keys()].sort(compareText)) {
    sorted.set(officeId, (groups.get(officeId) ?? []).sort(compareAlerts));
  }
  return sorted;
}
