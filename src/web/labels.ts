// Japanese labels for the enumerations the pages show.

import type { ChannelName, StaffRole } from '../domain/types.ts';

export const ROLE_LABELS: Record<StaffRole, string> = {
  employee: '職員',
  manager: '管理者',
  owner: 'オーナー',
  app_admin: '運用管理者',
};

export const CHANNEL_LABELS: Record<ChannelName, string> = {
  email: 'メール',
  push: 'プッシュ',
};

const RUN_STATUS_LABELS: Record<string, string> = {
  running: '実行中',
  completed: '完了',
  partial: '一部未送信',
  failed: '失敗',
  skipped: '休業日',
  busy: '実行中（別プロセス）',
  interrupted: '中断',
};

const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: '保留',
  sent: '送信済み',
  failed: '失敗',
  skipped: '送信せず',
};

/** Status → Japanese label; an unknown status is shown as it is. */
export function runStatusLabel(status: string): string {
  return RUN_STATUS_LABELS[status] ?? status;
}

export function deliveryStatusLabel(status: string): string {
  return DELIVERY_STATUS_LABELS[status] ?? status;
}

/** The tone of a status badge: the CSS class suffix. */
export function statusTone(status: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (status === 'completed' || status === 'sent') return 'ok';
  if (status === 'failed') return 'bad';
  if (status === 'partial' || status === 'pending' || status === 'interrupted') return 'warn';
  return 'neutral';
}

/** A short device name from a User-Agent: 'iPhone・Safari', 'Windows・Chrome'; 'ブラウザ' when unknown. */
export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return 'ブラウザ';
  const ua = userAgent;
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\/|Chromium\/|CriOS\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : null;
  const parts = [os, browser].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join('・') : 'ブラウザ';
}
