// What a push notification says (product.md "Push"), and the Web Push options that go with it (RFC 8030).
import { createHash } from 'node:crypto';
import { notificationText } from '../../domain/display-text.ts';
import type { Alert, Notice, OfficeSection } from '../../domain/types.ts';

/** The JSON the service worker receives; it shows `title` and `body` with showNotification (plain text). */
export interface PushPayload {
  title: string;
  body: string;
  data: PushPayloadData;
}

/** Field names are snake_case: the service worker of the original system reads them. */
export interface PushPayloadData {
  type: 'deadline_alert';
  office_id: string;
  office_name: string;
  /** renewal_deadline alerts (days remaining > 0). */
  renewal_count: number;
  assessment_count: number;
  /** renewal_overdue alerts; new in kigen (the original dropped them). */
  overdue_count: number;
  push_threshold_days: number;
}

export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

/** The per-message Web Push options kigen sets (the original used TTL 0 and no timeout). */
export interface PushOptions {
  /** Seconds the push service keeps an undelivered message. */
  TTL: number;
  urgency: PushUrgency;
  /** RFC 8030 Topic: a newer message with the same topic replaces an undelivered older one. */
  topic: string;
  /** Per-attempt deadline in milliseconds. */
  timeout: number;
}

export interface PushOptionsConfig {
  /** Seconds the push service keeps an undelivered message. Default 86400 (24 h): tomorrow's run supersedes it. */
  ttlSeconds?: number;
  /** Per-attempt deadline for one request, connect to response. Default 10000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_PUSH_TTL_SECONDS = 86_400;
export const DEFAULT_PUSH_TIMEOUT_MS = 10_000;
/** RFC 8030 §5.4: a topic is at most 32 characters of the URL-safe base64 alphabet. */
export const MAX_TOPIC_LENGTH = 32;

/** A push notice is per office: it must have exactly one section. */
export class PushNoticeShapeError extends Error {
  readonly code = 'PUSH_NOTICE_SHAPE';
  readonly sectionCount: number;
  constructor(sectionCount: number) {
    super(
      `a push notice must have exactly one office section, got ${sectionCount}; ` +
        'plan push deliveries per (staff, office, device)',
    );
    this.name = 'PushNoticeShapeError';
    this.sectionCount = sectionCount;
  }
}

export interface AlertCounts {
  overdue: number;
  renewal: number;
  assessment: number;
}

export function countAlerts(alerts: readonly Alert[]): AlertCounts {
  const counts: AlertCounts = { overdue: 0, renewal: 0, assessment: 0 };
  for (const alert of alerts) {
    if (alert.type === 'renewal_overdue') counts.overdue += 1;
    else if (alert.type === 'renewal_deadline') counts.renewal += 1;
    else counts.assessment += 1;
  }
  return counts;
}

/** The one office section of a push notice; throws PushNoticeShapeError otherwise. */
export function pushSection(notice: Notice): OfficeSection {
  const [section] = notice.sections;
  if (notice.sections.length !== 1 || section === undefined) {
    throw new PushNoticeShapeError(notice.sections.length);
  }
  return section;
}

/**
 * The notification for one staff member and one office. Recipient names never leave the server in a push:
 * only counts and the office name do. Throws PushNoticeShapeError unless the notice has exactly one section.
 */
export function buildPushPayload(notice: Notice, pushThresholdDays: number): PushPayload {
  const { office, alerts } = pushSection(notice);
  const counts = countAlerts(alerts);
  const parts = [`更新期限: ${counts.renewal}件`, `アセスメント未完了: ${counts.assessment}件`];
  // Overdue recipients are the most urgent news: say it first, and only when there is any.
  if (counts.overdue > 0) parts.unshift(`期限切れ: ${counts.overdue}件`);
  // Office names are free text: one line, no bidi tricks, no markup a notification server would read.
  const officeName = notificationText(office.name);
  return {
    title: `期限アラート（${officeName}）`,
    body: parts.join('、'),
    data: {
      type: 'deadline_alert',
      office_id: office.id,
      office_name: officeName,
      renewal_count: counts.renewal,
      assessment_count: counts.assessment,
      overdue_count: counts.overdue,
      push_threshold_days: pushThresholdDays,
    },
  };
}

/** TTL, urgency, topic and timeout for a push notice. Throws PushNoticeShapeError like buildPushPayload. */
export function pushOptions(notice: Notice, config: PushOptionsConfig = {}): PushOptions {
  const { office, alerts } = pushSection(notice);
  return {
    TTL: config.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS,
    urgency: countAlerts(alerts).overdue > 0 ? 'high' : 'normal',
    topic: pushTopic(office.id),
    timeout: config.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
  };
}

/**
 * A stable RFC 8030 topic per office: today's alert replaces yesterday's if the device has not fetched it yet,
 * while alerts of two offices never replace each other. Hashed so any id fits 32 base64url characters.
 */
export function pushTopic(officeId: string): string {
  return createHash('sha256')
    .update(`kigen:deadline_alert:${officeId}`)
    .digest('base64url')
    .slice(0, MAX_TOPIC_LENGTH);
}
