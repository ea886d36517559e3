// Operators (app_admin): the runs history with a "resume a date" form, and one run's deliveries
// with failures, reasons and masked addresses, keyset-paged.

import { maskEmail } from '../../domain/mask.ts';
import { CHANNELS } from '../../domain/types.ts';
import { formatCount, formatDuration, formatTimestamp } from '../format.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { CHANNEL_LABELS, deliveryStatusLabel, runStatusLabel, statusTone } from '../labels.ts';
import { adminRunPath, WEB_PATHS } from '../paths.ts';
import {
  DELIVERY_VIEW_STATUSES,
  type DeliveryRowView,
  type PageContext,
  type RunDeliveriesView,
  type RunRowView,
  type RunsView,
} from '../view-models.ts';
import { csrfField, layout } from './layout.ts';

export interface AdminPageOptions {
  /** The office time zone, for timestamps. */
  timeZone: string;
}

export function statusBadge(label: string, status: string): SafeHtml {
  return html`<span class="badge badge-${statusTone(status)}">${label}</span>`;
}

function runRow(run: RunRowView, timeZone: string): SafeHtml {
  return html`<tr>
<th scope="row" class="nowrap"><a href="${adminRunPath(run.id)}">${run.date}</a></th>
<td data-label="状態">${statusBadge(runStatusLabel(run.status), run.status)}</td>
<td class="num" data-label="送信">${formatCount(run.sent)}</td>
<td class="num${run.failed > 0 ? ' bad-text' : ''}" data-label="失敗">${formatCount(run.failed)}</td>
<td class="num" data-label="保留">${formatCount(run.pending)}</td>
<td class="num" data-label="送信せず">${formatCount(run.skipped)}</td>
<td class="nowrap" data-label="開始">${formatTimestamp(run.startedAt, timeZone)}</td>
<td class="nowrap" data-label="所要時間">${formatDuration(run.durationMs)}</td>
</tr>`;
}

export function runsTable(runs: readonly RunRowView[], timeZone: string, caption: string): SafeHtml {
  return html`<div class="table-scroll" role="region" aria-label="${caption}" tabindex="0"><table class="data stack-table">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">日付</th><th scope="col">状態</th><th scope="col" class="num">送信</th><th scope="col" class="num">失敗</th><th scope="col" class="num">保留</th><th scope="col" class="num">送信せず</th><th scope="col">開始</th><th scope="col">所要時間</th></tr></thead>
<tbody>${runs.map((r) => runRow(r, timeZone))}</tbody>
</table></div>`;
}

export function runsPage(ctx: PageContext, view: RunsView, options: AdminPageOptions): SafeHtml {
  return layout(
    ctx,
    { title: '実行履歴' },
    html`<section class="card" aria-labelledby="resume-title">
<h2 id="resume-title">日付を指定して再開</h2>
<form method="post" action="${WEB_PATHS.adminRuns}" class="inline-form">
${csrfField(ctx)}
<div class="field"><label for="resume-date">実行日</label><input type="date" id="resume-date" name="date" value="${view.resumeDate}" required aria-describedby="resume-hint"></div>
<button type="submit" class="button-primary">この日付を実行・再開する</button>
</form>
<p id="resume-hint" class="hint">保留中のものと一時的な失敗だけを送ります。送信済みのものが二重に送られることはありません。</p>
</section>
<section aria-labelledby="runs-title">
<h2 id="runs-title">これまでの実行</h2>
${view.runs.length === 0 ? html`<p class="empty card">まだ実行されていません。</p>` : runsTable(view.runs, options.timeZone, '実行履歴')}
</section>`,
  );
}

function addressCell(d: DeliveryRowView): string {
  return d.channel === 'email' ? maskEmail(d.address) : d.address;
}

function deliveryRow(d: DeliveryRowView, timeZone: string): SafeHtml {
  const reason = [d.errorKind, d.errorReason].filter((x) => x !== null && x !== '').join(': ');
  return html`<tr${d.status === 'failed' ? raw(' class="row-bad"') : ''}>
<th scope="row">${d.staffName}</th>
<td class="address" data-label="宛先">${addressCell(d)}</td>
<td class="nowrap" data-label="経路">${CHANNEL_LABELS[d.channel]}</td>
<td data-label="状態">${statusBadge(deliveryStatusLabel(d.status), d.status)}</td>
<td class="num" data-label="試行">${d.attempts}</td>
<td class="reason" data-label="理由">${reason || '—'}</td>
<td class="nowrap" data-label="更新">${formatTimestamp(d.updatedAt, timeZone)}</td>
</tr>`;
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function runDeliveriesPage(
  ctx: PageContext,
  view: RunDeliveriesView,
  options: AdminPageOptions,
): SafeHtml {
  const { run, filter } = view;
  const path = adminRunPath(run.id);
  const option = (value: string, label: string, selected: string | undefined): SafeHtml =>
    html`<option value="${value}"${value === (selected ?? '') ? raw(' selected') : ''}>${label}</option>`;
  return layout(
    ctx,
    { title: `${run.date} の配信` },
    html`${runsTable([run], options.timeZone, 'この実行')}
<form method="get" action="${path}" class="inline-form filter-form" aria-label="絞り込み">
<div class="field"><label for="filter-status">状態</label><select id="filter-status" name="status">
${option('', 'すべて', filter.status)}${DELIVERY_VIEW_STATUSES.map((s) => option(s, deliveryStatusLabel(s), filter.status))}
</select></div>
<div class="field"><label for="filter-channel">経路</label><select id="filter-channel" name="channel">
${option('', 'すべて', filter.channel)}${CHANNELS.map((c) => option(c, CHANNEL_LABELS[c], filter.channel))}
</select></div>
<button type="submit" class="button-secondary">絞り込む</button>
</form>
${
  view.deliveries.length === 0
    ? html`<p class="empty card">該当する配信はありません。</p>`
    : html`<div class="table-scroll" role="region" aria-label="配信の一覧" tabindex="0"><table class="data stack-table">
<caption class="visually-hidden">配信の一覧（宛先は一部を伏せて表示）</caption>
<thead><tr><th scope="col">スタッフ</th><th scope="col">宛先</th><th scope="col">経路</th><th scope="col">状態</th><th scope="col" class="num">試行</th><th scope="col">理由</th><th scope="col">更新</th></tr></thead>
<tbody>${view.deliveries.map((d) => deliveryRow(d, options.timeZone))}</tbody>
</table></div>`
}
<nav class="pager" aria-label="ページ">
<a href="${path}${query({ status: filter.status, channel: filter.channel })}">最初から</a>
${view.nextAfter === null ? '' : html`<a href="${path}${query({ status: filter.status, channel: filter.channel, after: view.nextAfter })}" rel="next">次へ →</a>`}
</nav>
<p><a href="${WEB_PATHS.adminRuns}">実行履歴に戻る</a></p>`,
  );
}
