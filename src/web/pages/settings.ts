// My notification settings: both channels with their thresholds. Saving posts the form; the page
// after the redirect shows a confirmation (flash), and a rejected form comes back with its problems.

import { html, type SafeHtml } from '../html.ts';
import { WEB_PATHS } from '../paths.ts';
import type { PageContext, SettingsView } from '../view-models.ts';
import { csrfField, layout } from './layout.ts';
import { preferencesFields } from './preferences-fields.ts';

/** The list of problems at the top of a form; focusable so a script or the skip link can jump to it. */
export function errorSummary(title: string, errors: readonly string[] | undefined): SafeHtml | null {
  if (!errors || errors.length === 0) return null;
  return html`<div class="error-summary" role="alert" tabindex="-1">
<h2>${title}</h2>
<ul>${errors.map((e) => html`<li>${e}</li>`)}</ul>
</div>`;
}

export function settingsPage(ctx: PageContext, view: SettingsView): SafeHtml {
  const pushNote = view.pushAvailable
    ? html`<p class="hint">プッシュ通知を受け取るには、<a href="${WEB_PATHS.devices}">端末</a>でこのブラウザを登録してください。</p>`
    : html`<p class="hint">このサーバーではプッシュ通知が設定されていないため、現在は届きません。</p>`;
  return layout(
    ctx,
    { title: '通知設定' },
    html`${errorSummary('保存できませんでした', view.errors)}
<form method="post" action="${WEB_PATHS.settings}" class="card stack">
${csrfField(ctx)}
${preferencesFields(view.preferences, 'me', pushNote)}
<p class="hint">期限切れの利用者とアセスメント未完了の利用者は、日数の設定にかかわらず毎回お知らせします。メールとプッシュ通知は別々に判断されます。</p>
<button type="submit" class="button-primary">保存する</button>
</form>`,
  );
}
