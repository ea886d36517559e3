// Human-readable output for a terminal.
import type { Alert, Office } from '../domain/types.ts';

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
