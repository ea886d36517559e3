// My devices: subscribe this browser to Web Push (push.js does it from the button's click) and the
// list of registered browsers with remove. Removing works without JavaScript (a form post); push.js
// takes it over to also unsubscribe this browser when its own row is removed.

import { formatTimestamp } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { deviceLabel } from '../labels.ts';
import { WEB_PATHS } from '../paths.ts';
import type { DevicesView, PageContext } from '../view-models.ts';
import { csrfField, layout } from './layout.ts';

export interface DevicesPageOptions {
  /** The office time zone, for the registration dates. */
  timeZone: string;
}

export function devicesPage(ctx: PageContext, view: DevicesView, options: DevicesPageOptions): SafeHtml {
  const subscribe = view.pushAvailable
    ? html`<p>このブラウザにプッシュ通知を届けます。ボタンを押すと、ブラウザが通知の許可を求めます。</p>
<p><button type="button" class="button-primary" id="push-subscribe" data-push-subscribe hidden>この端末で通知を受け取る</button></p>
<p id="push-status" class="status-line" role="status" aria-live="polite" data-push-status></p>
<noscript><p class="notice">この機能には JavaScript が必要です。</p></noscript>
${view.pushPreferenceOn ? '' : html`<p class="notice">プッシュ通知は<a href="${WEB_PATHS.settings}">通知設定</a>でオフになっています。端末を登録しても、オンにするまで通知は届きません。</p>`}`
    : html`<p class="notice">このサーバーではプッシュ通知が設定されていません。運用管理者に連絡してください。</p>`;
  const rows = view.devices.map(
    (d) => html`<li class="device" data-endpoint="${d.endpoint}">
<div class="device-info">
<strong>${deviceLabel(d.userAgent)}</strong> <span class="badge badge-info" data-this-device hidden>この端末</span>
<span class="muted">登録日時 ${formatTimestamp(d.createdAt, options.timeZone)}</span>
</div>
<form method="post" action="${WEB_PATHS.devicesRemove}" data-push-remove>
${csrfField(ctx)}
<input type="hidden" name="endpoint" value="${d.endpoint}">
<button type="submit" class="button-danger">削除<span class="visually-hidden">（${deviceLabel(d.userAgent)}）</span></button>
</form>
</li>`,
  );
  return layout(
    ctx,
    { title: '端末' },
    html`<section class="card" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">この端末で通知を受け取る</h2>
${subscribe}
</section>
<section class="card" aria-labelledby="devices-title">
<h2 id="devices-title">登録済みの端末（<span data-device-count>${view.devices.length}</span>台）</h2>
${view.devices.length === 0 ? html`<p class="empty" data-device-empty>登録済みの端末はありません。</p>` : ''}
<ul class="device-list" data-device-list>${rows}</ul>
</section>`,
  );
}
