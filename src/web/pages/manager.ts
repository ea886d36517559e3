// A manager's office page: each staff member's channels and thresholds, editable where the role
// allows (the server decides `editable` and checks again on save).

import { maskEmail } from '../../domain/mask.ts';
import { html, type SafeHtml } from '../html.ts';
import { ROLE_LABELS } from '../labels.ts';
import { officeAlertsPath, staffPreferencesPath } from '../paths.ts';
import type { ManagedStaffView, ManagerView, PageContext } from '../view-models.ts';
import { csrfField, layout } from './layout.ts';
import { channelSummary, preferencesFields } from './preferences-fields.ts';
import { errorSummary } from './settings.ts';

function staffCard(ctx: PageContext, view: ManagerView, member: ManagedStaffView, index: number): SafeHtml {
  const titleId = `staff-${index}`;
  const errors = view.errors?.staffId === member.staffId ? view.errors.messages : undefined;
  const p = member.preferences;
  const body = member.editable
    ? html`<form method="post" action="${staffPreferencesPath(view.office.id, member.staffId)}" class="stack">
${csrfField(ctx)}
${errorSummary(`${member.fullName} さんの設定を保存できませんでした`, errors)}
${preferencesFields(p, `s${index}`)}
<button type="submit" class="button-primary">${member.fullName} さんの設定を保存</button>
</form>`
    : html`<dl class="pairs">
<dt>メール</dt><dd>${channelSummary(p.emailNotification, p.emailThresholdDays)}</dd>
<dt>プッシュ</dt><dd>${channelSummary(p.systemNotification, p.pushThresholdDays)}</dd>
</dl>`;
  return html`<li class="card" aria-labelledby="${titleId}">
<h2 id="${titleId}">${member.fullName}</h2>
<p class="muted">${ROLE_LABELS[member.role]}・${maskEmail(member.email)}</p>
${body}
</li>`;
}

export function managerPage(ctx: PageContext, view: ManagerView): SafeHtml {
  return layout(
    ctx,
    { title: `${view.office.name}のスタッフ` },
    html`<p class="lead">スタッフごとの通知の受け取り方と日数です。<a href="${officeAlertsPath(view.office.id)}">この事業所のアラート</a></p>
${view.staff.length === 0 ? html`<p class="empty card">スタッフがいません。</p>` : ''}
<ul class="staff-list">${view.staff.map((m, i) => staffCard(ctx, view, m, i))}</ul>`,
  );
}
