// Rows for the push tests of the daily run: offices, staff with preferences, recipients whose latest
// cycle raises a chosen alert, and push subscriptions that the test push service can decrypt for.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/database.ts';
import { addDays } from '../../src/domain/calendar-date.ts';
import type { ThresholdDays } from '../../src/domain/types.ts';
import { createTestSubscription, type PushService, type TestSubscription } from '../helpers/push-service.ts';

/** A Thursday and no holiday: the business-day gate lets it through without --force. */
export const RUN_DATE = '2026-01-15';

let sequence = 0;
const next = () => ++sequence;

export async function addOffice(db: Db, name = `事業所 ${next()}`): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  await db.k.insertInto('offices').values({ id, name, deleted_at: null }).execute();
  return { id, name };
}

export interface StaffSpec {
  offices: readonly string[];
  /** email_notification; default true. */
  email?: boolean;
  /** system_notification (Web Push); default true here (the product default is false). */
  push?: boolean;
  emailDays?: ThresholdDays;
  pushDays?: ThresholdDays;
}

export async function addStaff(db: Db, spec: StaffSpec): Promise<{ id: string; email: string }> {
  const n = next();
  const id = randomUUID();
  const email = `push-staff-${n}@office.example.jp`;
  await db.k
    .insertInto('staffs')
    .values({
      id,
      email,
      last_name: '職員',
      first_name: `${n}`,
      full_name: `職員 ${n}`,
      role: 'employee',
      deleted_at: null,
      email_notification: spec.email ?? true,
      system_notification: spec.push ?? true,
      email_threshold_days: spec.emailDays ?? 30,
      push_threshold_days: spec.pushDays ?? 10,
    })
    .execute();
  if (spec.offices.length > 0) {
    await db.k
      .insertInto('office_staffs')
      .values(spec.offices.map((officeId, i) => ({ staff_id: id, office_id: officeId, is_primary: i === 0 })))
      .execute();
  }
  return { id, email };
}

/**
 * A recipient whose latest cycle is due `daysRemaining` days after RUN_DATE (≤ 0: overdue; null: no
 * deadline). With `assessment` false (default true) the cycle has no assessment sheet, so it also
 * raises an assessment alert.
 */
export async function addRecipient(
  db: Db,
  officeId: string,
  daysRemaining: number | null,
  assessment = true,
): Promise<void> {
  const n = next();
  const recipientId = randomUUID();
  const cycleId = randomUUID();
  await db.k
    .insertInto('welfare_recipients')
    .values({ id: recipientId, last_name: '利用者', first_name: `${n}` })
    .execute();
  await db.k
    .insertInto('support_plan_cycles')
    .values({
      id: cycleId,
      welfare_recipient_id: recipientId,
      office_id: officeId,
      cycle_number: 1,
      next_renewal_deadline: daysRemaining === null ? null : addDays(RUN_DATE, daysRemaining),
      is_latest_cycle: true,
    })
    .execute();
  if (assessment) {
    await db.k
      .insertInto('plan_deliverables')
      .values({ id: randomUUID(), plan_cycle_id: cycleId, deliverable_type: 'assessment_sheet' })
      .execute();
  }
}

/** One browser of a staff member: the row kigen stores and the subscription the push service knows. */
export interface Device {
  /** push_subscriptions.id, which is the delivery's `device`. */
  rowId: string;
  staffId: string;
  /** The push service's side; `subscription.id` is what service.script() and request records use. */
  subscription: TestSubscription;
}

export async function addDevice(db: Db, service: PushService, staffId: string): Promise<Device> {
  const subscription = createTestSubscription(service);
  const rowId = randomUUID();
  await db.k
    .insertInto('push_subscriptions')
    .values({
      id: rowId,
      staff_id: staffId,
      endpoint: subscription.endpoint,
      p256dh_key: subscription.keys.p256dh,
      auth_key: subscription.keys.auth,
      user_agent: 'vitest',
    })
    .execute();
  return { rowId, staffId, subscription };
}
