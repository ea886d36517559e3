// Human-readable output for a terminal.
import type { Alert, Office } from '../domain/types.ts';
import type { RunSummary } from '../run/summary.ts';

const MARK: Record<Alert['type'], string> = {
  renewal_overdue: '[期限切れ]',
  renewal_deadline: '[更新期限]',
  assessment_incomplete: '[アセスメント]',
};

export function formatAlerts(
  runDate: string,
  timeZone: string,
  offices: ReadonlyArray<{ office: Office; alerts: readonly Alert[] }>,
): string {
  const total = offices.reduce((n, o) => n + o.alerts.length, 0);
  const lines = [`${runDate} (${timeZone}): ${offices.length} offices, ${total} alerts`];
  for (const { office, alerts } of offices) {
    if (alerts.length === 0) continue;
    lines.push('', `■ ${office.name}  (${office.id})`);
    for (const alert of alerts) {
      lines.push(`  ${MARK[alert.type]} ${alert.message}${alert.deadline ? `  (${alert.deadline})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const n = (v: number) => v.toLocaleString('en-US');

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(
    `kigen ${s.mode === 'dry-run' ? 'dry run' : 'run'} for ${s.runDate} (${s.timeZone}, ${s.scope} data): ${s.status}`,
  );
  if (s.message) lines.push(s.message);
  if (s.forcedOn) lines.push(`forced on a non-business day (${s.forcedOn})`);
  if (s.status === 'skipped' || s.status === 'busy') return `${lines.join('\n')}\n`;
  lines.push(`offices ${n(s.offices)}, staff planned ${n(s.staff)}`);
  if (!s.push.enabled) lines.push(`push: off (${s.push.reason})`);
  lines.push('');
  const head = ['channel', 'planned', 'sent', 'failed', 'pending', 'skipped', 'earlier'];
  const rows = (['email', 'push'] as const).map((c) => {
    const d = s.deliveries[c];
    return [c, d.planned, d.sent, d.failed, d.pending, d.skipped, d.alreadyRecorded].map((v) =>
      typeof v === 'number' ? n(v) : v,
    );
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r: (string | number)[]) => r.map((v, i) => String(v).padStart(widths[i] ?? 0)).join('  ');
  lines.push(fmt(head), ...rows.map(fmt));
  if (s.mode === 'dry-run') {
    lines.push('', 'dry run: nothing was sent or written');
    const would = (s.deliveries.email.wouldSend ?? 0) + (s.deliveries.push.wouldSend ?? 0);
    const earlier = s.deliveries.email.alreadyRecorded + s.deliveries.push.alreadyRecorded;
    if (s.deliveries.email.wouldSend !== undefined) {
      lines.push(
        `a real run now would send ${n(would)} messages` +
          (earlier
            ? ` (${n(earlier)} already recorded for ${s.runDate}; sent, skipped or failed for good ones are not sent again)`
            : ''),
      );
    }
  }
  for (const f of s.failures) lines.push(`  ${f.channel} ${f.kind} ${f.code}: ${n(f.count)}`);
  if (s.failedDeliveries?.length) {
    const total = s.totals ? s.totals.email.failed + s.totals.push.failed : s.failedDeliveries.length;
    lines.push('', `failed deliveries of ${s.runDate} (${n(total)}; not retried):`);
    for (const f of s.failedDeliveries) {
      lines.push(
        `  ${f.channel} ${f.to}  ${f.offices.join(', ')}  ${f.code ?? ''}: ${f.reason ?? 'no reason recorded'}`,
      );
    }
    if (total > s.failedDeliveries.length) lines.push(`  … and ${n(total - s.failedDeliveries.length)} more`);
  }
  if (s.quota) {
    lines.push(
      `quota: ${n(s.quota.dailyQuota)} a day, ${n(s.quota.usedLast24h)} used in the last 24 h, ${n(s.quota.deferred)} deferred`,
    );
  }
  lines.push(
    '',
    `time: plan ${(s.phases.planMs / 1000).toFixed(2)} s, deliver ${(s.phases.deliverMs / 1000).toFixed(2)} s, total ${(s.phases.totalMs / 1000).toFixed(2)} s; ${s.throughput.messagesPerSecond} messages/s`,
    `statements: ${s.statements.read} read, ${s.statements.write} write; peak RSS ${(s.memory.rssPeakBytes / 2 ** 20).toFixed(0)} MB (+${(s.memory.rssGrowthBytes / 2 ** 20).toFixed(1)} MB)`,
  );
  return `${lines.join('\n')}\n`;
}
