// A staff member's own settings through the API: preferences and push subscriptions.
// Every change writes its audit row in the same transaction.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Preferences, StaffRole, ThresholdDays } from '../domain/types.ts';
import { insertAudit } from './audit.ts';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

export interface StaffSummary {
  id: string;
  role: StaffRole;
  fullName: string;
  email: string;
  officeIds: string[];
}

export interface PushSubscriptionInfo {
  id: string;
  endpoint: string;
  userAgent: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SavePushSubscriptionResult =
  | { ok: true; subscription: PushSubscriptionInfo; created: boolean }
  | { ok: false; reason: 'cap' };

export interface StaffStore {
  /** A live staff member with their live offices, or null. */
  staffById(staffId: string): Promise<StaffSummary | null>;
  preferences(staffId: string): Promise<Preferences | null>;
  /** Writes the preferences and the audit row (before → after); returns the stored preferences. */
  updatePreferences(actorId: string, staffId: string, before: Preferences, after: Preferences): Promise<void>;
  listPushSubscriptions(staffId: string): Promise<PushSubscriptionInfo[]>;
  /**
   * Stores a subscription by endpoint (a browser that subscribes again replaces its keys; an
   * endpoint another staff member had moves to this one: it is the same browser, signed in anew).
   * Refused when the staff member already has `cap` other subscriptions.
   */
  savePushSubscription(
    staffId: string,
    input: { endpoint: string; p256dh: string; auth: string; userAgent: string | null },
    cap: number,
  ): Promise<SavePushSubscriptionResult>;
  /** The address of one live staff member with this role (the first by id), e.g. for the demo's hint. */
  someEmailWithRole(role: StaffRole): Promise<string | null>;
  /** Deletes the staff member's own subscription by id or endpoint; true when one was deleted. */
  deletePushSubscription(staffId: string, by: { id: string } | { endpoint: string }): Promise<boolean>;
  /** A live staff member by id or address (any case), with their live offices, or null. */
  staffByIdOrEmail(idOrEmail: string): Promise<StaffSummary | null>;
  /**
   * Changes a live staff member's role from `before` and writes the audit row (actor null: an operator
   * at the command line); false when the row no longer has that role (a concurrent change) or is gone.
   */
  updateRole(
    actorId: string | null,
    staffId: string,
    before: StaffRole,
    after: StaffRole,
    via: 'cli' | 'api',
  ): Promise<boolean>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The origin of an endpoint: enough to recognise the push service in an audit row, without the device's id. */
function endpointOrigin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '?';
  }
}

function toInfo(r: {
  id: string;
  endpoint: string;
  user_agent: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}): PushSubscriptionInfo {
  return {
    id: r.id,
    endpoint: r.endpoint,
    userAgent: r.user_agent,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/**
 * One statement: the live staff member that `from` (which names the staffs table `s`) and `where`
 * select, with the ids of their live offices; null when there is none.
 */
export async function staffWithOffices(
  k: Kysely<Database>,
  from: RawBuilder<unknown>,
  where: RawBuilder<unknown>,
): Promise<StaffSummary | null> {
  const { rows } = await sql<{
    id: string;
    role: StaffRole;
    full_name: string;
    email: string;
    office_ids: string[] | null;
  }>`
    SELECT s.id, s.role, s.full_name, s.email,
           (SELECT array_agg(m.office_id::text ORDER BY m.office_id)
              FROM office_staffs m JOIN offices o ON o.id = m.office_id
             WHERE m.staff_id = s.id AND o.deleted_at IS NULL) AS office_ids
      FROM ${from} WHERE ${where} AND s.deleted_at IS NULL`.execute(k);
  const r = rows[0];
  return r
    ? { id: r.id, role: r.role, fullName: r.full_name, email: r.email, officeIds: r.office_ids ?? [] }
    : null;
}

export function createStaffStore(db: Db): StaffStore {
  const k = db.k;
  return {
    async staffByIdOrEmail(idOrEmail) {
      const q = idOrEmail.trim();
      if (UUID.test(q)) return staffWithOffices(k, sql`staffs s`, sql`s.id = ${q.toLowerCase()}::uuid`);
      if (!q.includes('@') || q.length > 320) return null;
      return staffWithOffices(k, sql`staffs s`, sql`lower(s.email) = ${q.toLowerCase()}`);
    },
    async updateRole(actorId, staffId, before, after, via) {
      return k.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('staffs')
          .set({ role: after })
          .where('id', '=', staffId)
          .where('role', '=', before)
          .where('deleted_at', 'is', null)
          .returning('id')
          .executeTakeFirst();
        if (!row) return false;
        await insertAudit(trx, {
          actorId,
          action: 'staff.role_changed',
          targetType: 'staff',
          targetId: staffId,
          details: { before: { role: before }, after: { role: after }, via },
        });
        return true;
      });
    },
    async staffById(staffId) {
      if (!UUID.test(staffId)) return null;
      return staffWithOffices(k, sql`staffs s`, sql`s.id = ${staffId}`);
    },
    async preferences(staffId) {
      if (!UUID.test(staffId)) return null;
      const r = await k
        .selectFrom('staffs')
        .select([
          'email_notification',
          'system_notification',
          'in_app_notification',
          'email_threshold_days',
          'push_threshold_days',
        ])
        .where('id', '=', staffId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return r
        ? {
            emailNotification: r.email_notification,
            systemNotification: r.system_notification,
            inAppNotification: r.in_app_notification,
            emailThresholdDays: r.email_threshold_days as ThresholdDays,
            pushThresholdDays: r.push_threshold_days as ThresholdDays,
          }
        : null;
    },
    async updatePreferences(actorId, staffId, before, after) {
      await k.transaction().execute(async (trx) => {
        await trx
          .updateTable('staffs')
          .set({
            email_notification: after.emailNotification,
            system_notification: after.systemNotification,
            in_app_notification: after.inAppNotification,
            email_threshold_days: after.emailThresholdDays,
            push_threshold_days: after.pushThresholdDays,
          })
          .where('id', '=', staffId)
          .execute();
        await insertAudit(trx, {
          actorId,
          action: 'preferences.updated',
          targetType: 'staff',
          targetId: staffId,
          details: { before, after },
        });
      });
    },
    async listPushSubscriptions(staffId) {
      const rows = await k
        .selectFrom('push_subscriptions')
        .select(['id', 'endpoint', 'user_agent', 'created_at', 'updated_at'])
        .where('staff_id', '=', staffId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toInfo);
    },
    async savePushSubscription(staffId, input, cap) {
      return k.transaction().execute(async (trx) => {
        // Serialises concurrent subscribes of one staff member, so the cap holds.
        await sql`SELECT id FROM staffs WHERE id = ${staffId} FOR UPDATE`.execute(trx);
        const existing = await trx
          .selectFrom('push_subscriptions')
          .select(['id', 'staff_id'])
          .where('endpoint', '=', input.endpoint)
          .executeTakeFirst();
        if (existing?.staff_id !== staffId) {
          const { n } = await trx
            .selectFrom('push_subscriptions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('staff_id', '=', staffId)
            .executeTakeFirstOrThrow();
          if (Number(n) >= cap) return { ok: false as const, reason: 'cap' as const };
        }
        const row = await trx
          .insertInto('push_subscriptions')
          .values({
            id: sql<string>`gen_random_uuid()`,
            staff_id: staffId,
            endpoint: input.endpoint,
            p256dh_key: input.p256dh,
            auth_key: input.auth,
            user_agent: input.userAgent,
          })
          .onConflict((oc) =>
            oc.column('endpoint').doUpdateSet({
              staff_id: staffId,
              p256dh_key: input.p256dh,
              auth_key: input.auth,
              user_agent: input.userAgent,
              updated_at: sql`now()`,
            }),
          )
          .returning(['id', 'endpoint', 'user_agent', 'created_at', 'updated_at'])
          .executeTakeFirstOrThrow();
        await insertAudit(trx, {
          actorId: staffId,
          action: existing ? 'push_subscription.updated' : 'push_subscription.created',
          targetType: 'push_subscription',
          targetId: row.id,
          details: {
            push_service: endpointOrigin(input.endpoint),
            ...(existing && existing.staff_id !== staffId ? { previous_staff_id: existing.staff_id } : {}),
          },
        });
        return { ok: true as const, subscription: toInfo(row), created: !existing };
      });
    },
    async someEmailWithRole(role) {
      const row = await k
        .selectFrom('staffs')
        .select('email')
        .where('role', '=', role)
        .where('is_test_data', '=', false)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row?.email ?? null;
    },
    async deletePushSubscription(staffId, by) {
      if ('id' in by && !UUID.test(by.id)) return false;
      return k.transaction().execute(async (trx) => {
        let q = trx.deleteFrom('push_subscriptions').where('staff_id', '=', staffId);
        q = 'id' in by ? q.where('id', '=', by.id) : q.where('endpoint', '=', by.endpoint);
        const row = await q.returning(['id', 'endpoint']).executeTakeFirst();
        if (!row) return false;
        await insertAudit(trx, {
          actorId: staffId,
          action: 'push_subscription.deleted',
          targetType: 'push_subscription',
          targetId: row.id,
          details: { push_service: endpointOrigin(row.endpoint), reason: 'deleted by its owner' },
        });
        return true;
      });
    },
  };
}
