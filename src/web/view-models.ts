// What each page shows, as plain data. The HTTP layer maps API / service results onto these types
// and calls the page functions in pages/; the pages do no I/O and read no clock.

import type { Alert, CalendarDate, ChannelName, Office, Preferences, StaffRole } from '../domain/types.ts';

/** The signed-in staff member, as the session's principal gives it. */
export interface ViewUser {
  staffId: string;
  fullName: string;
  role: StaffRole;
}

/** A one-time message shown at the top of a page (after POST → redirect). */
export interface Flash {
  kind: 'success' | 'error';
  message: string;
}

/** Shared by every page: who is signed in and the session's CSRF token (hidden `_csrf` fields, `<meta name="csrf-token">`). */
export interface PageContext {
  /** Product name shown in the header and the title. */
  appName: string;
  /** null on the sign-in pages. */
  user: ViewUser | null;
  /** The session's CSRF token; '' when there is no session. */
  csrfToken: string;
  /** The request path, to mark the current navigation entry. */
  currentPath: string;
  flash?: Flash | undefined;
}

// ---------------------------------------------------------------- sign-in

export interface SignInView {
  /** 'form': ask for the address; 'sent': the same "check your mail" answer whether the address exists or not. */
  state: 'form' | 'sent';
  /** The address typed, shown back in the form after a problem (never whether it exists). */
  email?: string | undefined;
  /** A problem with the input itself (empty, not an address, too many attempts). */
  error?: string | undefined;
}

// ---------------------------------------------------------------- staff home

/** One office's alerts for the date, as GET /api/v1/offices/:id/alerts returns them (any order). */
export interface OfficeAlertsView {
  office: Office;
  alerts: readonly Alert[];
}

export interface StaffHomeView {
  /** The date shown. */
  date: CalendarDate;
  /** Today in the office time zone. */
  today: CalendarDate;
  /** false when `date` is a weekend, holiday or closure (no run that day). */
  isBusinessDay: boolean;
  /** Business days around `date`, for the previous / next links. */
  previousBusinessDay?: CalendarDate | undefined;
  nextBusinessDay?: CalendarDate | undefined;
  /** Every office of the staff member (or the one office of /offices/:id), with or without alerts. */
  offices: readonly OfficeAlertsView[];
  /** Set when the page shows one office only (the notification's link). */
  singleOfficeId?: string | undefined;
}

// ---------------------------------------------------------------- my settings

export interface SettingsView {
  preferences: Preferences;
  /** Problems of the last submit (Japanese, see parseSettingsForm); the form shows `preferences` as submitted. */
  errors?: readonly string[] | undefined;
  /** Whether this server can send Web Push at all (VAPID keys configured). */
  pushAvailable: boolean;
}

// ---------------------------------------------------------------- devices

export interface DeviceView {
  id: string;
  /** The subscription endpoint: push.js sends it to DELETE and marks the row of this browser. */
  endpoint: string;
  userAgent: string | null;
  /** ISO timestamp. */
  createdAt: string;
}

export interface DevicesView {
  devices: readonly DeviceView[];
  /** false: the server has no VAPID keys, so subscribing is pointless (the page says so). */
  pushAvailable: boolean;
  /** The staff member's push preference (systemNotification): off means no push even with devices. */
  pushPreferenceOn: boolean;
}

// ---------------------------------------------------------------- manager

export interface ManagedStaffView {
  staffId: string;
  fullName: string;
  role: StaffRole;
  /** Shown masked. */
  email: string;
  preferences: Preferences;
  /** Whether the viewer's role lets them change this person's settings. */
  editable: boolean;
}

export interface ManagerView {
  office: Office;
  staff: readonly ManagedStaffView[];
  /** Problems of the last submit, with the staff member they belong to. */
  errors?: { staffId: string; messages: readonly string[] } | undefined;
}

// ---------------------------------------------------------------- operators (app_admin)

export const RUN_VIEW_STATUSES = [
  'running',
  'completed',
  'partial',
  'failed',
  'skipped',
  'interrupted',
] as const;
export type RunViewStatus = (typeof RUN_VIEW_STATUSES)[number];

export interface RunRowView {
  id: string;
  date: CalendarDate;
  status: RunViewStatus | string;
  /** ISO timestamps. */
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  sent: number;
  failed: number;
  pending: number;
  skipped: number;
}

export interface RunsView {
  runs: readonly RunRowView[];
  /** Default date of the "resume a date" form (today). */
  resumeDate: CalendarDate;
}

export const DELIVERY_VIEW_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;
export type DeliveryViewStatus = (typeof DELIVERY_VIEW_STATUSES)[number];

export interface DeliveryRowView {
  id: string;
  staffName: string;
  /** E-mail address (masked again when shown) or push device label. */
  address: string;
  channel: ChannelName;
  status: DeliveryViewStatus | string;
  attempts: number;
  /** Failure kind and reason, e.g. 'permanent' / '550 mailbox unavailable'. */
  errorKind: string | null;
  errorReason: string | null;
  updatedAt: string;
}

export interface RunDeliveriesView {
  run: RunRowView;
  filter: { status?: DeliveryViewStatus | undefined; channel?: ChannelName | undefined };
  deliveries: readonly DeliveryRowView[];
  /** The keyset cursor of the next page (the last row's key), or null on the last page. */
  nextAfter: string | null;
}

export interface PreviewView {
  /** What the operator typed (staff e-mail or id) and the date. */
  staffQuery: string;
  date: CalendarDate;
  /** Absent before a search, or when nothing would be sent (see `message`). */
  email?:
    | {
        staffName: string;
        /** Shown masked. */
        address: string;
        subject: string;
        text: string;
        /** URL of the rendered HTML, served with PREVIEW_FRAME_CSP and shown in a sandboxed iframe. */
        htmlUrl: string;
      }
    | undefined;
  /** e.g. 'このスタッフに送るメールはありません' or an unknown-staff message. */
  message?: string | undefined;
}

export interface HealthCheckView {
  name: string;
  ok: boolean;
  detail: string;
}

export interface HealthView {
  checks: readonly HealthCheckView[];
  quota: { dailyQuota: number; usedLast24h: number; remaining: number } | null;
  lastRun: RunRowView | null;
  pushEnabled: boolean;
  /** ISO timestamp of the check. */
  checkedAt: string;
}
