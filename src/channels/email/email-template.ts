// Renders one staff member's digest email (HTML + text/plain) from a Notice. Pure: no I/O, no clock.
//
// Layout rules (product.md): greeting `{氏名} 様`; one section per office; inside a section the
// overdue table comes first and is marked 【至急】, then the renewal table (残りN日), then the
// names whose assessment is missing; a button to the dashboard; an automatic-mail footer.
// Every interpolated value goes through escapeHtml(): recipient, office and staff names are
// hostile free text. The HTML uses table layout and inline styles only, with no external assets,
// so it renders the same in Gmail, Outlook and phone mail apps.

import { displayText } from '../../domain/display-text.ts';
import type { Alert, Notice, OfficeSection } from '../../domain/types.ts';
import type { EmailMessage } from '../channel.ts';

export interface EmailTemplateOptions {
  /** Product name shown in the subject (`【{appName}】…`) and the footer. */
  appName: string;
  /** Absolute http(s) URL of the dashboard; the button links here. */
  dashboardUrl: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** How many alerts of each kind a notice holds, over all of its office sections. */
export interface AlertCounts {
  overdue: number;
  renewal: number;
  assessment: number;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * Free text on one line, as every channel shows it (domain/display-text.ts): control characters
 * become a space and bidi or invisible characters go, so a hostile name can neither break the
 * text/plain layout, smuggle a line into a header, nor reorder what the reader sees.
 */
export function oneLine(value: string): string {
  return displayText(value);
}

export function countAlerts(notice: Notice): AlertCounts {
  const counts: AlertCounts = { overdue: 0, renewal: 0, assessment: 0 };
  for (const section of notice.sections) {
    for (const alert of section.alerts) {
      if (alert.type === 'renewal_overdue') counts.overdue++;
      else if (alert.type === 'renewal_deadline') counts.renewal++;
      else counts.assessment++;
    }
  }
  return counts;
}

/**
 * The subject says the most urgent thing in the mail:
 * - something overdue: `【{app}】【至急】更新期限を過ぎた利用者がいます`
 * - otherwise a renewal within the threshold: `【{app}】更新期限が近い利用者がいます` (the original's)
 * - only missing assessments: `【{app}】アセスメントが完了していない利用者がいます`
 *   (the original subject would be false here: no deadline is near).
 */
export function renderSubject(notice: Notice, appName: string): string {
  const counts = countAlerts(notice);
  const app = `【${oneLine(appName)}】`;
  if (counts.overdue > 0) return `${app}【至急】更新期限を過ぎた利用者がいます`;
  if (counts.renewal > 0) return `${app}更新期限が近い利用者がいます`;
  if (counts.assessment > 0) return `${app}アセスメントが完了していない利用者がいます`;
  return `${app}更新期限が近い利用者がいます`;
}

/** 'YYYY-MM-DD' → '2026年12月1日'; anything else is shown as it is (escaped by the caller). */
export function formatJapaneseDate(date: string | null): string {
  if (date === null) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

/** The state column of an overdue row: 0 days → 本日期限, N days late → N日経過. */
export function overdueLabel(alert: Alert): string {
  const late = alert.daysRemaining === null ? null : -alert.daysRemaining;
  if (late === null) return '期限切れ';
  if (late <= 0) return '期限切れ（本日期限）';
  return `期限切れ（${late}日経過）`;
}

export function remainingLabel(alert: Alert): string {
  // No spaces around the number, as in the alert messages (残り10日) and 期限切れ（4日経過）.
  return alert.daysRemaining === null ? '—' : `残り${alert.daysRemaining}日`;
}

export interface GroupedAlerts {
  overdue: Alert[];
  renewal: Alert[];
  assessment: Alert[];
}

/** Splits a section by alert type, keeping the domain's order inside each group. */
export function groupAlerts(section: OfficeSection): GroupedAlerts {
  const groups: GroupedAlerts = { overdue: [], renewal: [], assessment: [] };
  for (const alert of section.alerts) {
    if (alert.type === 'renewal_overdue') groups.overdue.push(alert);
    else if (alert.type === 'renewal_deadline') groups.renewal.push(alert);
    else groups.assessment.push(alert);
  }
  return groups;
}

export const HEADING_OVERDUE = '【至急】更新期限を過ぎた利用者';
export const HEADING_RENEWAL = '更新期限が近い利用者';
export const HEADING_ASSESSMENT = 'アセスメントが完了していない利用者';
const INTRO =
  '個別支援計画の更新期限が近い、または期限を過ぎている利用者、アセスメントが完了していない利用者がいます。内容をご確認のうえ、対応をお願いいたします。';
const FOOTER_AUTOMATIC =
  'このメールは自動送信されています。このメールに返信されてもお答えできませんのでご了承ください。';
const FOOTER_SETTINGS = '通知の受け取り方法や通知する日数は、ダッシュボードの設定画面から変更できます。';

export function renderEmail(message: EmailMessage, opts: EmailTemplateOptions): RenderedEmail {
  const subject = renderSubject(message.notice, opts.appName);
  return {
    subject,
    html: renderHtml(message, opts, subject),
    text: renderText(message, opts),
  };
}

function summaryLines(counts: AlertCounts): string[] {
  const lines: string[] = [];
  if (counts.overdue > 0) lines.push(`更新期限を過ぎた利用者: ${counts.overdue}名`);
  if (counts.renewal > 0) lines.push(`更新期限が近い利用者: ${counts.renewal}名`);
  if (counts.assessment > 0) lines.push(`アセスメント未完了の利用者: ${counts.assessment}名`);
  return lines;
}

// ---------------------------------------------------------------- text/plain

function renderText(message: EmailMessage, opts: EmailTemplateOptions): string {
  const { notice } = message;
  const out: string[] = [];
  out.push(`${oneLine(notice.fullName)} 様`, '');
  out.push(`${formatJapaneseDate(message.runDate)}時点のお知らせです。`);
  out.push(INTRO, '');
  for (const line of summaryLines(countAlerts(notice))) out.push(`・${line}`);
  for (const section of notice.sections) {
    const groups = groupAlerts(section);
    out.push('', `■ ${oneLine(section.office.name)}`);
    if (groups.overdue.length > 0) {
      out.push('', `${HEADING_OVERDUE}（${groups.overdue.length}名）`);
      for (const a of groups.overdue) {
        out.push(`  - ${oneLine(a.name)}　期限日: ${formatJapaneseDate(a.deadline)}　${overdueLabel(a)}`);
      }
    }
    if (groups.renewal.length > 0) {
      out.push('', `${HEADING_RENEWAL}（${groups.renewal.length}名）`);
      for (const a of groups.renewal) {
        out.push(`  - ${oneLine(a.name)}　期限日: ${formatJapaneseDate(a.deadline)}　${remainingLabel(a)}`);
      }
    }
    if (groups.assessment.length > 0) {
      out.push('', `${HEADING_ASSESSMENT}（${groups.assessment.length}名）`);
      for (const a of groups.assessment) out.push(`  - ${oneLine(a.name)}`);
    }
  }
  out.push('', 'ダッシュボードで確認する:', oneLine(opts.dashboardUrl), '');
  out.push('--', FOOTER_AUTOMATIC, FOOTER_SETTINGS, oneLine(opts.appName), '');
  return out.join('\n');
}

// ---------------------------------------------------------------- HTML

const FONT = "'Hiragino Kaku Gothic ProN','Hiragino Sans',Meiryo,'Yu Gothic',sans-serif";
const TEXT_STYLE = `font-family:${FONT};color:#1f2937;`;
// Font, size and colour sit on each data table, not on each of its cells: cells inherit from their
// own table in every client (Outlook's Word engine only fails to inherit into a nested table from
// outside it). Repeating them per cell made the HTML of a typical digest twice as long, and every
// byte is rendered, base64-encoded and sent once per recipient.
const TABLE_STYLE = `border-collapse:collapse;width:100%;font-size:14px;line-height:1.5;${TEXT_STYLE}`;
const CELL = 'padding:8px 10px;border-bottom:1px solid #e5e7eb;';
// Names are up to 255 characters with no spaces guaranteed: let them wrap on a phone.
const NAME_CELL = `${CELL}word-break:break-all;overflow-wrap:anywhere;`;
const VALUE_CELL = `${CELL}white-space:nowrap;`;
const HEAD_CELL =
  'padding:6px 10px;font-size:12px;font-weight:bold;text-align:left;color:#4b5563;background-color:#f3f4f6;';

// The HTML is built with `+` rather than array joins: V8 links the pieces and copies them once, when
// the finished message is encoded, where each join copied everything nested in it again (a 9-alert
// digest allocated ~70 KB to render 16 KB).

function headerRow(labels: string[]): string {
  let row = '<tr>';
  for (const l of labels) row += `<th scope="col" align="left" style="${HEAD_CELL}">${escapeHtml(l)}</th>`;
  return `${row}</tr>`;
}

function dataTable(head: string[], rows: string[][], nameColumn = 0): string {
  // A real data table (no role="presentation"): screen readers announce the column headers.
  let table = `<table width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE_STYLE}">${headerRow(head)}`;
  for (const cells of rows) {
    table += '<tr>';
    cells.forEach((c, i) => {
      table += `<td style="${i === nameColumn ? NAME_CELL : VALUE_CELL}">${c}</td>`;
    });
    table += '</tr>';
  }
  return `${table}</table>`;
}

function overdueBlock(alerts: Alert[]): string {
  const rows = alerts.map((a) => [
    escapeHtml(oneLine(a.name)),
    escapeHtml(formatJapaneseDate(a.deadline)),
    `<strong style="color:#b91c1c;">${escapeHtml(overdueLabel(a))}</strong>`,
  ]);
  return (
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;border-left:4px solid #dc2626;background-color:#fef2f2;">' +
    `<tr><td style="padding:10px 12px 6px;font-size:15px;font-weight:bold;color:#b91c1c;font-family:${FONT};">` +
    `${escapeHtml(HEADING_OVERDUE)}（${alerts.length}名）</td></tr>` +
    `<tr><td style="padding:0 0 4px;">${dataTable(['氏名', '期限日', '状況'], rows)}</td></tr>` +
    '</table>'
  );
}

function renewalBlock(alerts: Alert[]): string {
  const rows = alerts.map((a) => [
    escapeHtml(oneLine(a.name)),
    escapeHtml(formatJapaneseDate(a.deadline)),
    `<strong>${escapeHtml(remainingLabel(a))}</strong>`,
  ]);
  return (
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;">' +
    `<tr><td style="padding:4px 0 6px;font-size:15px;font-weight:bold;${TEXT_STYLE}">` +
    `${escapeHtml(HEADING_RENEWAL)}（${alerts.length}名）</td></tr>` +
    `<tr><td>${dataTable(['氏名', '期限日', '残り日数'], rows)}</td></tr>` +
    '</table>'
  );
}

function assessmentBlock(alerts: Alert[]): string {
  const rows = alerts.map((a) => [escapeHtml(oneLine(a.name))]);
  return (
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;">' +
    `<tr><td style="padding:4px 0 6px;font-size:15px;font-weight:bold;${TEXT_STYLE}">` +
    `${escapeHtml(HEADING_ASSESSMENT)}（${alerts.length}名）</td></tr>` +
    `<tr><td>${dataTable(['氏名'], rows)}</td></tr>` +
    '</table>'
  );
}

function sectionHtml(section: OfficeSection): string {
  const groups = groupAlerts(section);
  const blocks =
    (groups.overdue.length > 0 ? overdueBlock(groups.overdue) : '') +
    (groups.renewal.length > 0 ? renewalBlock(groups.renewal) : '') +
    (groups.assessment.length > 0 ? assessmentBlock(groups.assessment) : '');
  return (
    `<tr><td style="padding:8px 20px 0;${TEXT_STYLE}">` +
    `<h2 style="margin:8px 0 12px;padding:0 0 6px;font-size:17px;line-height:1.4;border-bottom:2px solid #1d4ed8;word-break:break-all;${TEXT_STYLE}">` +
    `${escapeHtml(oneLine(section.office.name))}</h2>` +
    blocks +
    '</td></tr>'
  );
}

function buttonHtml(url: string): string {
  const href = escapeHtml(oneLine(url));
  return (
    '<tr><td align="center" style="padding:8px 20px 24px;">' +
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>' +
    '<td align="center" bgcolor="#1d4ed8" style="border-radius:6px;background-color:#1d4ed8;">' +
    `<a href="${href}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 28px;font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;font-family:${FONT};">` +
    'ダッシュボードで確認する</a>' +
    '</td></tr></table>' +
    `<p style="margin:12px 0 0;font-size:12px;color:#6b7280;word-break:break-all;font-family:${FONT};">${href}</p>` +
    '</td></tr>'
  );
}

function renderHtml(message: EmailMessage, opts: EmailTemplateOptions, subject: string): string {
  const { notice } = message;
  const summary = summaryLines(countAlerts(notice));
  const preheader = summary.join(' / ');
  let summaryHtml = '';
  for (const line of summary) summaryHtml += `<li style="margin:0 0 2px;">${escapeHtml(line)}</li>`;
  // The head and the tail are joined on their own (they are short); the sections, most of the
  // message, are appended without being copied.
  let html = [
    '<!DOCTYPE html>',
    '<html lang="ja">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="x-apple-disable-message-reformatting">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:0;background-color:#f4f5f7;">',
    `<div style="display:none;max-height:0;overflow:hidden;opacity:0;">${escapeHtml(preheader)}</div>`,
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">',
    '<tr><td align="center" style="padding:16px 8px;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border-radius:8px;">',
    `<tr><td style="padding:24px 20px 8px;font-size:15px;line-height:1.7;${TEXT_STYLE}">`,
    `<p style="margin:0 0 12px;font-size:16px;word-break:break-all;">${escapeHtml(oneLine(notice.fullName))} 様</p>`,
    `<p style="margin:0 0 12px;">${escapeHtml(formatJapaneseDate(message.runDate))}時点のお知らせです。<br>${escapeHtml(INTRO)}</p>`,
    summaryHtml ? `<ul style="margin:0 0 8px;padding:0 0 0 20px;">${summaryHtml}</ul>` : '',
    '</td></tr>',
  ].join('\n');
  for (const section of notice.sections) html += `\n${sectionHtml(section)}`;
  html += `\n${[
    buttonHtml(opts.dashboardUrl),
    `<tr><td style="padding:16px 20px 24px;border-top:1px solid #e5e7eb;font-size:12px;line-height:1.6;color:#6b7280;font-family:${FONT};">`,
    `${escapeHtml(FOOTER_AUTOMATIC)}<br>${escapeHtml(FOOTER_SETTINGS)}<br>${escapeHtml(oneLine(opts.appName))}`,
    '</td></tr>',
    '</table>',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
  ].join('\n')}`;
  return html;
}
