// The channel switches and threshold selects, shared by "my settings" and the manager's page.

import { type Preferences, THRESHOLD_DAYS } from '../../domain/types.ts';
import { thresholdLabel } from '../format.ts';
import { html, raw, type SafeHtml } from '../html.ts';

/** `idPrefix` keeps ids unique when several forms share a page. */
export function preferencesFields(prefs: Preferences, idPrefix: string, pushNote?: SafeHtml): SafeHtml {
  const select = (name: string, id: string, label: string, value: number): SafeHtml =>
    html`<div class="field"><label for="${id}">${label}</label>
<select id="${id}" name="${name}">${THRESHOLD_DAYS.map(
      (d) => html`<option value="${d}"${d === value ? raw(' selected') : ''}>${thresholdLabel(d)}</option>`,
    )}</select></div>`;
  const check = (name: string, id: string, label: string, on: boolean): SafeHtml =>
    html`<div class="check"><input type="checkbox" id="${id}" name="${name}" value="on"${on ? raw(' checked') : ''}><label for="${id}">${label}</label></div>`;
  return html`<fieldset>
<legend>メール通知</legend>
${check('email', `${idPrefix}-email`, 'メールで受け取る', prefs.emailNotification)}
${select('emailThreshold', `${idPrefix}-email-threshold`, '更新期限の何日前から通知するか（メール）', prefs.emailThresholdDays)}
</fieldset>
<fieldset>
<legend>プッシュ通知</legend>
${check('push', `${idPrefix}-push`, 'プッシュ通知で受け取る', prefs.systemNotification)}
${select('pushThreshold', `${idPrefix}-push-threshold`, '更新期限の何日前から通知するか（プッシュ）', prefs.pushThresholdDays)}
${pushNote ?? ''}
</fieldset>`;
}

/** One line for a read-only view: 'オン（30日前から）' / 'オフ'. */
export function channelSummary(on: boolean, days: number): string {
  return on ? `オン（${days}日前から）` : 'オフ';
}
