// Hand-built notices for the push tests (the domain rules that produce them are tested in test/domain).
import type { Alert, Notice, Office } from '../../../src/domain/types.ts';

export const OFFICE: Office = {
  id: '0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10',
  name: 'ひまわり就労支援センター',
};

export function renewal(name: string, daysRemaining: number, officeId = OFFICE.id): Alert {
  return {
    type: 'renewal_deadline',
    officeId,
    recipientId: `r-${name}`,
    name,
    deadline: '2026-01-20',
    daysRemaining,
    message: `${name}の更新期限まで残り${daysRemaining}日`,
  };
}

export function overdue(name: string, daysRemaining = -3, officeId = OFFICE.id): Alert {
  return {
    type: 'renewal_overdue',
    officeId,
    recipientId: `r-${name}`,
    name,
    deadline: '2026-01-10',
    daysRemaining,
    message: `${name}の更新期限が過ぎています`,
  };
}

export function assessment(name: string, officeId = OFFICE.id): Alert {
  return {
    type: 'assessment_incomplete',
    officeId,
    recipientId: `r-${name}`,
    name,
    deadline: null,
    daysRemaining: null,
    message: `${name}のアセスメントが完了していません`,
  };
}

export function pushNotice(alerts: Alert[], office: Office = OFFICE): Notice {
  return {
    staffId: 'staff-1',
    email: 'sato@example.jp',
    fullName: '佐藤 花子',
    channel: 'push',
    sections: [{ office, alerts }],
  };
}
