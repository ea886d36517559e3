// Notification preferences: defaults, validation, and which alerts each channel keeps.

import {
  type Alert,
  type ChannelName,
  type Preferences,
  THRESHOLD_DAYS,
  type ThresholdDays,
} from './types.ts';

/** Defaults of product.md: email on (30 days), Web Push off (10 days), in-app on. */
export const DEFAULT_PREFERENCES: Readonly<Preferences> = Object.freeze({
  emailNotification: true,
  systemNotification: false,
  inAppNotification: true,
  emailThresholdDays: 30,
  pushThresholdDays: 10,
});

export type PreferencesValidation = { ok: true; value: Preferences } | { ok: false; problems: string[] };

const BOOLEAN_FIELDS = ['emailNotification', 'systemNotification', 'inAppNotification'] as const;
const THRESHOLD_FIELDS = ['emailThresholdDays', 'pushThresholdDays'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...BOOLEAN_FIELDS, ...THRESHOLD_FIELDS]);

/** A short, safe rendering of a rejected value for a problem message. */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isThreshold(value: unknown): value is ThresholdDays {
  return typeof value === 'number' && (THRESHOLD_DAYS as readonly number[]).includes(value);
}

/**
 * Checks a preferences object (e.g. an API body) and reports every problem at once.
 * With `base`, missing fields are taken from it (a partial update of the stored preferences);
 * without it every field is required. Unknown fields are problems (they are usually typos).
 */
export function validatePreferences(input: unknown, base?: Readonly<Preferences>): PreferencesValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['preferences must be an object'] };
  }
  const record = input as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!KNOWN_FIELDS.has(key)) problems.push(`${key}: unknown field`);
  }
  const pick = (key: keyof Preferences): unknown =>
    Object.hasOwn(record, key) ? record[key] : base === undefined ? undefined : base[key];

  const value: Partial<Record<keyof Preferences, unknown>> = {};
  for (const key of BOOLEAN_FIELDS) {
    const v = pick(key);
    if (v === undefined) problems.push(`${key}: required (true or false)`);
    else if (typeof v !== 'boolean') problems.push(`${key}: must be true or false, got ${show(v)}`);
    value[key] = v;
  }
  for (const key of THRESHOLD_FIELDS) {
    const v = pick(key);
    if (v === undefined) problems.push(`${key}: required (one of ${THRESHOLD_DAYS.join(', ')})`);
    else if (!isThreshold(v)) {
      problems.push(`${key}: must be one of ${THRESHOLD_DAYS.join(', ')} days, got ${show(v)}`);
    }
    value[key] = v;
  }
  if (
    value.emailNotification === false &&
    value.systemNotification === false &&
    value.inAppNotification === false
  ) {
    problems.push('at least one of emailNotification, systemNotification, inAppNotification must be on');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: value as Preferences };
}

/** Whether the staff member wants this channel at all (push = systemNotification). */
export function channelEnabled(prefs: Readonly<Preferences>, channel: ChannelName): boolean {
  return channel === 'email' ? prefs.emailNotification : prefs.systemNotification;
}

export function thresholdFor(prefs: Readonly<Preferences>, channel: ChannelName): ThresholdDays {
  return channel === 'email' ? prefs.emailThresholdDays : prefs.pushThresholdDays;
}

/**
 * The alerts one channel carries for one staff member, order kept: renewal_deadline alerts with
 * daysRemaining ≤ that channel's threshold, and every overdue and assessment alert; [] when the
 * channel is off. Each channel is decided on its own (email off does not stop push).
 */
export function keepForChannel(
  alerts: readonly Alert[],
  prefs: Readonly<Preferences>,
  channel: ChannelName,
): Alert[] {
  if (!channelEnabled(prefs, channel)) return [];
  const threshold = thresholdFor(prefs, channel);
  return alerts.filter(
    (alert) =>
      alert.type !== 'renewal_deadline' || (alert.daysRemaining !== null && alert.daysRemaining <= threshold),
  );
}
