// A small builder for hand-made rows: offices, staff with their memberships and preferences,
// recipients with their latest cycle and deliverables, push subscriptions. Inserted with Kysely,
// one statement per call, so tests read as the data they set up. Every value has a default.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/database.ts';
import type { CalendarDate, DeliverableType, StaffRole, ThresholdDays } from '../../src/domain/types.ts';

export interface OfficeInput {
  id?: string;
  /** Default `事業所 {n}`. */
  name?: string;
  testData?: boolean;
  deleted?: boolean;
}

export interface StaffInput {
  id?: string;
  /** Office ids to link the staff member to (the first is primary). */
  offices: readonly string[];
  /** Default `staff{n}-{random}@example.jp` (unique across builders). */
  email?: string;
  lastName?: string;
  firstName?: string;
  role?: StaffRole;
  testData?: boolean;
  deleted?: boolean;
  /** Preferences; the database defaults apply when left out (email on / push off, 30 / 10 days). */
  emailNotification?: boolean;
  pushNotification?: boolean;
  inAppNotification?: boolean;
  emailThresholdDays?: ThresholdDays;
  pushThresholdDays?: ThresholdDays;
}

export interface StaffFixture {
  id: string;
  email: string;
  fullName: string;
}

export interface RecipientInput {
  id?: string;
  /** The office of the latest cycle. */
  office: string;
  lastName?: string;
  firstName?: string;
  testData?: boolean;
  /** next_renewal_deadline of the latest cycle; null for none. */
  deadline: CalendarDate | null;
  /** Deliverables of the latest cycle. Default ['assessment_sheet'] (no assessment alert). */
  deliverables?: readonly DeliverableType[];
  /** Earlier (not latest) cycles to insert before the latest one, by their deadline. Default none. */
  earlierCycles?: ReadonlyArray<{ deadline: CalendarDate | null }>;
}

export interface RecipientFixture {
  id: string;
  /** 氏名 as the alerts show it: last name, half-width space, first name. */
  name: string;
  cycleId: string;
}

export interface PushSubscriptionInput {
  id?: string;
  staff: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent?: string;
}

export interface Fixtures {
  office(input?: OfficeInput): Promise<string>;
  staff(input: StaffInput): Promise<StaffFixture>;
  recipient(input: RecipientInput): Promise<RecipientFixture>;
  pushSubscription(input: PushSubscriptionInput): Promise<string>;
}

/** A builder over `db`. Numbers in default names count per builder; ids are random uuids. */
export function createFixtures(db: Db): Fixtures {
  const k = db.k;
  let n = 0;
  const tag = randomUUID().slice(0, 8);
  return {
    async office(input = {}) {
      n += 1;
      const id = input.id ?? randomUUID();
      await k
        .insertInto('offices')
        .values({
          id,
          name: input.name ?? `事業所 ${n}`,
          is_test_data: input.testData ?? false,
          deleted_at: input.deleted ? new Date('2026-01-01T00:00:00Z') : null,
        })
        .execute();
      return id;
    },

    async staff(input) {
      n += 1;
      const id = input.id ?? randomUUID();
      const lastName = input.lastName ?? '職員';
      const firstName = input.firstName ?? `${n}`;
      const fullName = `${lastName} ${firstName}`;
      const email = input.email ?? `staff${n}-${tag}@example.jp`;
      await k
        .insertInto('staffs')
        .values({
          id,
          email,
          last_name: lastName,
          first_name: firstName,
          full_name: fullName,
          role: input.role ?? 'employee',
          is_test_data: input.testData ?? false,
          deleted_at: input.deleted ? new Date('2026-01-01T00:00:00Z') : null,
          ...(input.emailNotification === undefined ? {} : { email_notification: input.emailNotification }),
          ...(input.pushNotification === undefined ? {} : { system_notification: input.pushNotification }),
          ...(input.inAppNotification === undefined ? {} : { in_app_notification: input.inAppNotification }),
          ...(input.emailThresholdDays === undefined
            ? {}
            : { email_threshold_days: input.emailThresholdDays }),
          ...(input.pushThresholdDays === undefined ? {} : { push_threshold_days: input.pushThresholdDays }),
        })
        .execute();
      if (input.offices.length > 0) {
        await k
          .insertInto('office_staffs')
          .values(
            input.offices.map((office, i) => ({ staff_id: id, office_id: office, is_primary: i === 0 })),
          )
          .execute();
      }
      return { id, email, fullName };
    },

    async recipient(input) {
      n += 1;
      const id = input.id ?? randomUUID();
      const lastName = input.lastName ?? '利用者';
      const firstName = input.firstName ?? `${n}`;
      await k
        .insertInto('welfare_recipients')
        .values({ id, last_name: lastName, first_name: firstName, is_test_data: input.testData ?? false })
        .execute();
      const earlier = input.earlierCycles ?? [];
      const cycleId = randomUUID();
      await k
        .insertInto('support_plan_cycles')
        .values([
          ...earlier.map((c, i) => ({
            id: randomUUID(),
            welfare_recipient_id: id,
            office_id: input.office,
            cycle_number: i + 1,
            next_renewal_deadline: c.deadline,
            is_latest_cycle: false,
          })),
          {
            id: cycleId,
            welfare_recipient_id: id,
            office_id: input.office,
            cycle_number: earlier.length + 1,
            next_renewal_deadline: input.deadline,
            is_latest_cycle: true,
          },
        ])
        .execute();
      const deliverables = input.deliverables ?? ['assessment_sheet'];
      if (deliverables.length > 0) {
        await k
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
      return { id, name: `${lastName} ${firstName}`, cycleId };
    },

    async pushSubscription(input) {
      const id = input.id ?? randomUUID();
      await k
        .insertInto('push_subscriptions')
        .values({
          id,
          staff_id: input.staff,
          endpoint: input.endpoint,
          p256dh_key: input.p256dh,
          auth_key: input.auth,
          user_agent: input.userAgent ?? 'kigen-test',
        })
        .execute();
      return id;
    },
  };
}
