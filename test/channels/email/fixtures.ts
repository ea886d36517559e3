// Hand-built notices for the email tests (no dependency on the domain rules being written elsewhere).
import type { EmailMessage } from '../../../src/channels/channel.ts';
import type { Alert, AlertType, Notice, OfficeSection } from '../../../src/domain/types.ts';

export const HOSTILE = `<script>alert(1)</script>"&'`;

let seq = 0;

export function alert(
  type: AlertType,
  name: string,
  opts: { officeId?: string; deadline?: string | null; daysRemaining?: number | null } = {},
): Alert {
  seq++;
  const deadline = opts.deadline ?? (type === 'assessment_incomplete' ? null : '2026-12-16');
  const daysRemaining = opts.daysRemaining ?? (type === 'assessment_incomplete' ? null : 10);
  const message =
    type === 'renewal_deadline'
      ? `${name}の更新期限まで残り${daysRemaining}日`
      : type === 'renewal_overdue'
        ? `${name}の更新期限が過ぎています`
        : `${name}のアセスメントが完了していません`;
  return {
    type,
    officeId: opts.officeId ?? 'office-1',
    recipientId: `recipient-${seq}`,
    name,
    deadline,
    daysRemaining,
    message,
  };
}

export function section(id: string, name: string, alerts: Alert[]): OfficeSection {
  return { office: { id, name }, alerts: alerts.map((a) => ({ ...a, officeId: id })) };
}

export function notice(sections: OfficeSection[], staff: { fullName?: string; email?: string } = {}): Notice {
  return {
    staffId: 'staff-1',
    email: staff.email ?? 'sabikan@example.jp',
    fullName: staff.fullName ?? '山田 花子',
    channel: 'email',
    sections,
  };
}

export function emailMessage(n: Notice, deliveryKey = '2026-12-06:staff-1:email:-'): EmailMessage {
  return { deliveryKey, runDate: '2026-12-06', notice: n };
}

/** One office with one alert of each kind, listed renewal-first to show the template reorders. */
export function typicalNotice(staff: { fullName?: string; email?: string } = {}): Notice {
  return notice(
    [
      section('office-1', 'ひまわり作業所', [
        alert('renewal_deadline', '鈴木 一郎', { deadline: '2026-12-16', daysRemaining: 10 }),
        alert('renewal_overdue', '佐藤 次郎', { deadline: '2026-11-30', daysRemaining: -6 }),
        alert('assessment_incomplete', '田中 三郎'),
      ]),
    ],
    staff,
  );
}
