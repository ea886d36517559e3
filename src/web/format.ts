// Wording shared by the pages: dates, timestamps, durations, days left. Alert wording comes from the
// email template, so the page and the email say the same thing.

import { daysBetween } from '../domain/calendar-date.ts';
import type { CalendarDate, ThresholdDays } from '../domain/types.ts';
import { formatInstantIn } from '../domain/zoned-time.ts';

const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'] as const;

/** '2026-12-01' → '2026年12月1日（火）'. */
export function formatDateWithWeekday(date: CalendarDate): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日（${WEEKDAYS[weekday] ?? ''}）`;
}

/** An ISO instant shown in the office time zone: '2026-12-01 09:00'. */
export function formatTimestamp(iso: string | null, timeZone: string): string {
  if (iso === null) return '—';
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  // 'YYYY-MM-DD HH:MM' of the shared zoned formatter (cached per zone), without seconds and offset.
  return formatInstantIn(instant, timeZone).slice(0, 16);
}

/** 83_000 → '1分23秒'; 950 → '0.95秒'. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${(ms / 1000).toFixed(2)}秒`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}秒`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return `${minutes}分${rest}秒`;
  return `${Math.floor(minutes / 60)}時間${minutes % 60}分`;
}

/** How a date relates to the shown day: '今日', '3日後', '2日前'. */
export function relativeDay(date: CalendarDate, today: CalendarDate): string {
  const days = daysBetween(today, date);
  if (days === 0) return '今日';
  return days > 0 ? `${days}日後` : `${-days}日前`;
}

export function thresholdLabel(days: ThresholdDays): string {
  return `${days}日前から`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('ja-JP');
}
