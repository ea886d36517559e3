// Operators (app_admin): the preview of any staff member's email, and health with the quota left.

import { maskEmail } from '../../domain/mask.ts';
import { formatCount, formatTimestamp } from '../format.ts';
import { html, type SafeHtml, safeUrl } from '../html.ts';
import { WEB_PATHS } from '../paths.ts';
import type { HealthView, PageContext, PreviewView } from '../view-models.ts';
import { type AdminPageOptions, runsTable, statusBadge } from './admin-runs.ts';
import { layout } from './layout.ts';

/**
 * The CSP for the rendered email HTML that the preview page frames (the email uses inline styles,
 * which the site's CSP forbids): nothing may load or run, and the frame is sandboxed again.
 */
export const PREVIEW_FRAME_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

export function previewPage(ctx: PageContext, view: PreviewView): SafeHtml {
  const email = view.email;
  return layout(
    ctx,
    { title: 'メール確認' },
    html`<form method="get" action="${WEB_PATHS.adminPreview}" class="card inline-form">
<div class="field"><label for="preview-staff">スタッフ（メールアドレスまたはID）</label><input type="text" id="preview-staff" name="staff" value="${view.staffQuery}" required autocomplete="off"></div>
<div class="field"><label for="preview-date">日付</label><input type="date" id="preview-date" name="date" value="${view.date}" required></div>
<button type="submit" class="button-primary">表示</button>
</form>
${view.message ? html`<p class="notice" role="status">${view.message}</p>` : ''}
${
  email
    ? html`<section class="card" aria-labelledby="preview-title">
<h2 id="preview-title">${email.staffName} さんへのメール</h2>
<dl class="pairs"><dt>宛先</dt><dd>${maskEmail(email.address)}</dd><dt>件名</dt><dd>${email.subject}</dd></dl>
<iframe class="preview-frame" sandbox="" src="${safeUrl(email.htmlUrl)}" title="メール本文（HTML）のプレビュー" loading="lazy"></iframe>
<details><summary>テキスト版を表示</summary><pre class="preview-text">${email.text}</pre></details>
</section>`
    : ''
}`,
  );
}

export function healthPage(ctx: PageContext, view: HealthView, options: AdminPageOptions): SafeHtml {
  const allOk = view.checks.every((c) => c.ok);
  const q = view.quota;
  return layout(
    ctx,
    { title: '稼働状況' },
    html`<p class="lead">${allOk ? statusBadge('正常', 'completed') : statusBadge('異常あり', 'failed')} 確認日時 ${formatTimestamp(view.checkedAt, options.timeZone)}</p>
<section class="card" aria-labelledby="checks-title">
<h2 id="checks-title">チェック</h2>
<ul class="checks">${view.checks.map(
      (c) =>
        html`<li>${c.ok ? statusBadge('OK', 'completed') : statusBadge('NG', 'failed')} <strong>${c.name}</strong> <span class="muted">${c.detail}</span></li>`,
    )}
<li>${view.pushEnabled ? statusBadge('OK', 'completed') : statusBadge('オフ', 'skipped')} <strong>プッシュ通知</strong> <span class="muted">${view.pushEnabled ? 'VAPID 鍵が設定されています' : 'VAPID 鍵が未設定のため送信しません'}</span></li>
</ul>
</section>
<section class="card" aria-labelledby="quota-title">
<h2 id="quota-title">メール送信数の上限</h2>
${
  q
    ? html`<p><label for="quota-meter">24時間の残り: <strong>${formatCount(q.remaining)}</strong> / ${formatCount(q.dailyQuota)} 通</label></p>
<meter id="quota-meter" min="0" max="${q.dailyQuota}" value="${q.remaining}" low="${Math.floor(q.dailyQuota * 0.2)}" optimum="${q.dailyQuota}">${q.remaining}</meter>
<p class="hint">直近24時間の送信: ${formatCount(q.usedLast24h)} 通。上限を超える分は保留になり、次の実行で送られます。</p>`
    : html`<p>上限は設定されていません（KIGEN_DAILY_QUOTA）。</p>`
}
</section>
<section aria-labelledby="last-run-title">
<h2 id="last-run-title">最後の実行</h2>
${view.lastRun ? runsTable([view.lastRun], options.timeZone, '最後の実行') : html`<p class="empty card">まだ実行されていません。</p>`}
</section>`,
  );
}
