// Form bodies (application/x-www-form-urlencoded, parsed by the HTTP layer) → typed values, with
// every problem in Japanese for the page. The stored rules stay in the domain: the result is meant
// for validatePreferences / the preferences service, which checks again.

import { type Preferences, THRESHOLD_DAYS, type ThresholdDays } from '../domain/types.ts';

/** The fields of the settings and manager forms. Checkboxes send 'on' when ticked and nothing otherwise. */
export interface PreferencesFormBody {
  email?: unknown;
  push?: unknown;
  emailThreshold?: unknown;
  pushThreshold?: unknown;
}

export type PreferencesUpdate = Pick<
  Preferences,
  'emailNotification' | 'systemNotification' | 'emailThresholdDays' | 'pushThresholdDays'
>;

export type PreferencesFormResult =
  | { ok: true; value: PreferencesUpdate }
  | { ok: false; errors: string[]; submitted: PreferencesUpdate };

export const PREFERENCES_SAVED_MESSAGE = '通知設定を保存しました。';
export const BOTH_CHANNELS_OFF_MESSAGE =
  'メール通知とプッシュ通知の両方をオフにはできません。期限切れを見逃さないよう、どちらか一方をオンにしてください。';

/** '5' | '10' | '20' | '30' exactly (a form sends strings; '1e1' or ' 10' are not accepted). */
function threshold(value: unknown): ThresholdDays | null {
  return THRESHOLD_DAYS.find((days) => String(days) === value) ?? null;
}

/**
 * Parses a settings form. `current` fills a threshold that was not sent (so a bad form still shows
 * something sensible). Problems: a threshold outside 5/10/20/30, or both channels off.
 */
export function parsePreferencesForm(
  body: PreferencesFormBody,
  current: PreferencesUpdate,
): PreferencesFormResult {
  const errors: string[] = [];
  const emailThreshold = threshold(body.emailThreshold);
  const pushThreshold = threshold(body.pushThreshold);
  if (emailThreshold === null) errors.push('メール通知の日数は 5・10・20・30 日から選んでください。');
  if (pushThreshold === null) errors.push('プッシュ通知の日数は 5・10・20・30 日から選んでください。');
  const value: PreferencesUpdate = {
    emailNotification: body.email === 'on',
    systemNotification: body.push === 'on',
    emailThresholdDays: emailThreshold ?? current.emailThresholdDays,
    pushThresholdDays: pushThreshold ?? current.pushThresholdDays,
  };
  if (!value.emailNotification && !value.systemNotification) errors.push(BOTH_CHANNELS_OFF_MESSAGE);
  return errors.length > 0 ? { ok: false, errors, submitted: value } : { ok: true, value };
}
