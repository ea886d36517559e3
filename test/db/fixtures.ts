// Hand-made rows for database tests: readable ids whose order is known, inserted through Kysely.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/database.ts';

/** A uuid whose sort order is that of (kind, n): 'o' offices, 's' staff, 'r' recipients, 'c' cycles, 'p' push. */
export function id(kind: 'o' | 's' | 'r' | 'c' | 'p', n: number): string {
  const prefix = { o: '0', s: '1', r: '2', c: '3', p: '4' }[kind];
  return `${prefix}0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export async function insertOffice(
  db: Db,
  n: number,
  opts: { name?: string; testData?: boolean; deleted?: boolean } = {},
): Promise<string> {
  const officeId = id('o', n);
  await db.k
    .insertInto('offices')
    .values({
      id: officeId,
      name: opts.name ?? `事業所 ${n}`,
      is_test_data: opts.testData ?? false,
      deleted_at: opts.deleted ? new Date('2026-01-01T00:00:00Z') : null,
    })
    .execute();
  return officeId;
}

export interface StaffOptions {
  testData?: boolean;
  deleted?: boolean;
  email?: boolean;
  push?: boolean;
  inApp?: boolean;
  emailDays?: number;
  pushDays?: number;
  lastName?: string;
  firstName?: string;
}

export async function insertStaff(db: Db, n: number, opts: StaffOptions = {}): Promise<string> {
  const staffId = id('s', n);
  const lastName = opts.lastName ?? '職員';
  const firstName = opts.firstName ?? `${n}`;
  await db.k
    .insertInto('staffs')
    .values({
      id: staffId,
      email: `staff${n}@office.example.jp`,
      last_name: lastName,
      first_name: firstName,
      full_name: `${lastName} ${firstName}`,
      role: 'employee',
      is_test_data: opts.testData ?? false,
      deleted_at: opts.deleted ? new Date('2026-01-01T00:00:00Z') : null,
      ...(opts.email === undefined ? {} : { email_notification: opts.email }),
      ...(opts.push === undefined ? {} : { system_notification: opts.push }),
      ...(opts.inApp === undefined ? {} : { in_app_notification: opts.inApp }),
      ...(opts.emailDays === undefined ? {} : { email_threshold_days: opts.emailDays }),
      ...(opts.pushDays === undefined ? {} : { push_threshold_days: opts.pushDays }),
    })
    .execute();
  return staffId;
}

export async function insertMembership(db: Db, staffId: string, officeId: string, primary = true) {
  await db.k
    .insertInto('office_staffs')
    .values({ staff_id: staffId, office_id: officeId, is_primary: primary })
    .execute();
}

export async function insertRecipient(
  db: Db,
  n: number,
  opts: { lastName?: string; firstName?: string; testData?: boolean } = {},
): Promise<string> {
  const recipientId = id('r', n);
  await db.k
    .insertInto('welfare_recipients')
    .values({
      id: recipientId,
      last_name: opts.lastName ?? '利用者',
      first_name: opts.firstName ?? `${n}`,
      is_test_data: opts.testData ?? false,
    })
    .execute();
  return recipientId;
}

export async function insertCycle(
  db: Db,
  n: number,
  opts: {
    recipientId: string;
    officeId: string;
    cycleNumber?: number;
    deadline: string | null;
    latest: boolean;
    deliverables?: readonly string[];
  },
): Promise<string> {
  const cycleId = id('c', n);
  await db.k
    .insertInto('support_plan_cycles')
    .values({
      id: cycleId,
      welfare_recipient_id: opts.recipientId,
      office_id: opts.officeId,
      cycle_number: opts.cycleNumber ?? 1,
      next_renewal_deadline: opts.deadline,
      is_latest_cycle: opts.latest,
    })
    .execute();
  const deliverables = opts.deliverables ?? [];
  if (deliverables.length > 0) {
    await db.k
      .insertInto('plan_deliverables')
      .values(
        deliverables.map((type) => ({
          id: randomUUID(),
          plan_cycle_id: cycleId,
          deliverable_type: type,
        })),
      )
      .execute();
  }
  return cycleId;
}

export async function insertPushSubscription(
  db: Db,
  n: number,
  staffId: string,
  endpoint = `https://push.example.jp/send/${n}`,
): Promise<string> {
  const subscriptionId = id('p', n);
  await db.k
    .insertInto('push_subscriptions')
    .values({
      id: subscriptionId,
      staff_id: staffId,
      endpoint,
      p256dh_key: `p256dh-${n}`,
      auth_key: `auth-${n}`,
      user_agent: 'test',
    })
    .execute();
  return subscriptionId;
}

/** The SQLSTATE of a rejected statement (pg and PGlite both expose `code`). */
export async function sqlState(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  throw new Error('the statement succeeded but was expected to fail');
}
