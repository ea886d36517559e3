// Core value types shared by every layer. Pure data: no behaviour, no I/O.

/** A calendar date, 'YYYY-MM-DD', with no time and no zone. All date arithmetic is on these. */
export type CalendarDate = string;

export const ALERT_TYPES = ['renewal_overdue', 'renewal_deadline', 'assessment_incomplete'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const DELIVERABLE_TYPES = [
  'assessment_sheet',
  'draft_plan_pdf',
  'staff_meeting_minutes',
  'final_plan_signed_pdf',
  'monitoring_report_pdf',
] as const;
export type DeliverableType = (typeof DELIVERABLE_TYPES)[number];

export const STAFF_ROLES = ['employee', 'manager', 'owner', 'app_admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const THRESHOLD_DAYS = [5, 10, 20, 30] as const;
export type ThresholdDays = (typeof THRESHOLD_DAYS)[number];

export const CHANNELS = ['email', 'push'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** The latest support-plan cycle of one recipient, as the alert query returns it. */
export interface LatestCycle {
  officeId: string;
  recipientId: string;
  lastName: string;
  firstName: string;
  /** Furigana (katakana), when known. */
  lastNameReading?: string | null;
  firstNameReading?: string | null;
  /** null when no deadline is set. */
  nextRenewalDeadline: CalendarDate | null;
  hasAssessment: boolean;
}

export interface Alert {
  type: AlertType;
  officeId: string;
  recipientId: string;
  /** 氏名: last name + half-width space + first name. Free text: escape before rendering. */
  name: string;
  /** Katakana reading of the name (for 五十音順); absent when unknown. */
  reading?: string;
  deadline: CalendarDate | null;
  /** deadline − run date in days; null for assessment alerts. */
  daysRemaining: number | null;
  /** The Japanese message line of product.md. */
  message: string;
}

export interface Preferences {
  emailNotification: boolean;
  /** Web Push. */
  systemNotification: boolean;
  inAppNotification: boolean;
  emailThresholdDays: ThresholdDays;
  pushThresholdDays: ThresholdDays;
}

export interface Office {
  id: string;
  name: string;
}

export interface StaffMember {
  id: string;
  email: string;
  fullName: string;
  preferences: Preferences;
  /** Offices this staff member belongs to (within the chunk being planned). */
  officeIds: string[];
}

export interface PushSubscriptionRecord {
  id: string;
  staffId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** One office's part of a notice: the alerts kept for one channel, in display order. */
export interface OfficeSection {
  office: Office;
  alerts: Alert[];
}

/** What one staff member is told on one channel: one section per office (or a single office). */
export interface Notice {
  staffId: string;
  email: string;
  fullName: string;
  channel: ChannelName;
  sections: OfficeSection[];
}

/** A staff member as the planner reads them: preferences and every live office they belong to. */
export interface StaffRecord {
  id: string;
  email: string;
  fullName: string;
  preferences: Preferences;
  /** Every live office of this staff member, ordered by id (also those outside the chunk being planned). */
  offices: Office[];
}
