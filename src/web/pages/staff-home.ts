// Staff home: the alerts of each of my offices for one day, with the same facts and wording as the
// daily email (the labels come from the email template). Offices with an overdue recipient come
// first and are marked urgent; inside an office the domain's display order holds.

import {
  formatJapaneseDate,
  groupAlerts,
  HEADING_ASSESSMENT,
  HEADING_OVERDUE,
  HEADING_RENEWAL,
  overdueLabel,
  remainingLabel,
} from '../../channels/email/email-template.ts';
import { sortAlerts } from '../../domain/alerts.ts';
import { addDays } from '../../domain/calendar-date.ts';
import { compareText } from '../../domain/text-order.ts';
import type { Alert } from '../../domain/types.ts';
import { formatDateWithWeekday, relativeDay } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { officeAlertsPath, officeStaffPath, WEB_PATHS } from '../paths.ts';
import type { OfficeAlertsView, PageContext, StaffHomeView } from '../view-models.ts';
import { layout } from './layout.ts';

function hasOverdue(alerts: readonly Alert[]): boolean {
  return alerts.some((a) => a.type === 'renewal_overdue');
}

/** Offices with an overdue alert first, then by name (as in the digest email). */
export function orderOffices(offices: readonly OfficeAlertsView[]): OfficeAlertsView[] {
  return [...offices].sort(
    (a, b) =>
      Number(hasOverdue(b.alerts)) - Number(hasOverdue(a.alerts)) ||
      compareText(a.office.name, b.office.name) ||
      compareText(a.office.id, b.office.id),
  );
}

function domId(prefix: string, index: number): string {
  return `${prefix}-${index}`;
}

function alertTable(
  caption: string,
  rows: readonly Alert[],
  label: (a: Alert) => string,
  urgent: boolean,
): SafeHtml {
  return html`<div class="table-scroll"><table class="data stack-table">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">氏名</th><th scope="col">期限日</th><th scope="col">状況</th></tr></thead>
<tbody>${rows.map(
    (a) =>
      html`<tr><th scope="row" class="name">${a.name}</th><td class="nowrap" data-label="期限日">${formatJapaneseDate(a.deadline)}</td><td class="nowrap" data-label="状況"><strong${urgent ? html` class="urgent-text"` : ''}>${label(a)}</strong></td></tr>`,
  )}</tbody>
</table></div>`;
}

function officeSection(ctx: PageContext, entry: OfficeAlertsView, index: number, date: string): SafeHtml {
  const alerts = sortAlerts(entry.alerts);
  const groups = groupAlerts({ office: entry.office, alerts });
  const titleId = domId('office', index);
  const urgent = groups.overdue.length > 0;
  const canManage =
    ctx.user?.role === 'manager' || ctx.user?.role === 'owner' || ctx.user?.role === 'app_admin';
  return html`<section class="office card${urgent ? ' office-urgent' : ''}" aria-labelledby="${titleId}">
<h2 id="${titleId}">${urgent ? html`<span class="badge badge-urgent">至急</span> ` : ''}${entry.office.name}</h2>
${
  alerts.length === 0
    ? html`<p class="empty">この日のアラートはありません。</p>`
    : html`<ul class="counts">
${groups.overdue.length > 0 ? html`<li class="count-urgent">期限切れ ${groups.overdue.length}名</li>` : ''}
${groups.renewal.length > 0 ? html`<li>期限が近い ${groups.renewal.length}名</li>` : ''}
${groups.assessment.length > 0 ? html`<li>アセスメント未完了 ${groups.assessment.length}名</li>` : ''}
</ul>`
}
${
  groups.overdue.length > 0
    ? html`<div class="alert-group alert-group-urgent"><h3>${HEADING_OVERDUE}（${groups.overdue.length}名）</h3>${alertTable(HEADING_OVERDUE, groups.overdue, overdueLabel, true)}</div>`
    : ''
}
${
  groups.renewal.length > 0
    ? html`<div class="alert-group"><h3>${HEADING_RENEWAL}（${groups.renewal.length}名）</h3>${alertTable(HEADING_RENEWAL, groups.renewal, remainingLabel, false)}</div>`
    : ''
}
${
  groups.assessment.length > 0
    ? html`<div class="alert-group"><h3>${HEADING_ASSESSMENT}（${groups.assessment.length}名）</h3><ul class="names">${groups.assessment.map((a) => html`<li>${a.name}</li>`)}</ul></div>`
    : ''
}
<p class="office-links"><a href="${officeAlertsPath(entry.office.id)}?date=${date}">この事業所だけを表示</a>${
    canManage ? html` <a href="${officeStaffPath(entry.office.id)}">スタッフの通知設定</a>` : ''
  }</p>
</section>`;
}

function dateNav(view: StaffHomeView, action: string): SafeHtml {
  const prev = view.previousBusinessDay ?? addDays(view.date, -1);
  const next = view.nextBusinessDay ?? addDays(view.date, 1);
  return html`<form method="get" action="${action}" class="date-form" aria-label="表示する日付">
<div class="field">
<label for="date">日付を選ぶ</label>
<input type="date" id="date" name="date" value="${view.date}" required>
</div>
<button type="submit" class="button-secondary">表示</button>
</form>
<p class="date-links">
<a href="${action}?date=${prev}" rel="prev">← 前の営業日</a>
${view.date === view.today ? '' : html`<a href="${action}">今日</a>`}
<a href="${action}?date=${next}" rel="next">次の営業日 →</a>
</p>`;
}

export function staffHomePage(ctx: PageContext, view: StaffHomeView): SafeHtml {
  const offices = orderOffices(view.offices);
  const single =
    view.singleOfficeId !== undefined ? offices.find((o) => o.office.id === view.singleOfficeId) : undefined;
  const action = single ? officeAlertsPath(single.office.id) : WEB_PATHS.home;
  const title = single ? `${single.office.name}のアラート` : 'アラート';
  const totalOverdue = offices.reduce(
    (n, o) => n + o.alerts.filter((a) => a.type === 'renewal_overdue').length,
    0,
  );
  return layout(
    ctx,
    { title },
    html`<p class="lead">${formatDateWithWeekday(view.date)}（${relativeDay(view.date, view.today)}）時点</p>
${dateNav(view, action)}
${view.isBusinessDay ? '' : html`<p class="notice">この日は休業日（土日・祝日・休業日）です。この日の通知は送られません。</p>`}
${totalOverdue > 0 ? html`<p class="banner-urgent" role="note"><strong>至急：</strong>更新期限を過ぎた利用者が${totalOverdue}名います。</p>` : ''}
${offices.length === 0 ? html`<p class="empty card">所属している事業所がありません。管理者に連絡してください。</p>` : ''}
${(single ? [single] : offices).map((entry, i) => officeSection(ctx, entry, i, view.date))}
${single ? html`<p><a href="${WEB_PATHS.home}?date=${view.date}">すべての事業所を表示</a></p>` : ''}`,
  );
}
