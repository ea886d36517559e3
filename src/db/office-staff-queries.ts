// Reads of the web pages that no other door needs: an office's members with their preferences
// (the manager page), staff names for a page of deliveries, and a staff member found by id or address.
import { sql } from 'kysely';
import type { Office, Preferences, StaffRole, ThresholdDays } from '../domain/types.ts';
import type { Db } from './database.ts';
import { type StaffSummary, staffWithOffices } from './staff-store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OfficeMember extends StaffSummary {
  preferences: Preferences;
}

export interface OfficeStaffQueries {
  /** The live office and its live members (by name) with their preferences and offices; null when there is no such office. */
  officeMembers(officeId: string): Promise<{ office: Office; members: OfficeMember[] } | null>;
  /** Full names by staff id (deleted staff too: a delivery outlives its recipient's account). */
  staffNames(ids: readonly string[]): Promise<Map<string, string>>;
  /** A live staff member by id or e-mail address (case-insensitive), or null. */
  findStaff(idOrEmail: string): Promise<StaffSummary | null>;
}

export function createOfficeStaffQueries(db: Db): OfficeStaffQueries {
  const k = db.k;
  return {
    async officeMembers(officeId) {
      if (!UUID.test(officeId)) return null;
      const office = await k
        .selectFrom('offices')
        .select(['id', 'name'])
        .where('id', '=', officeId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!office) return null;
      const { rows } = await sql<{
        id: string;
        role: StaffRole;
        full_name: string;
        email: string;
        email_notification: boolean;
        system_notification: boolean;
        in_app_notification: boolean;
        email_threshold_days: number;
        push_threshold_days: number;
        office_ids: string[] | null;
      }>`
        SELECT s.id, s.role, s.full_name, s.email, s.email_notification, s.system_notification,
               s.in_app_notification, s.email_threshold_days, s.push_threshold_days,
               (SELECT array_agg(m2.office_id::text ORDER BY m2.office_id)
                  FROM office_staffs m2 JOIN offices o ON o.id = m2.office_id
                 WHERE m2.staff_id = s.id AND o.deleted_at IS NULL) AS office_ids
          FROM office_staffs m JOIN staffs s ON s.id = m.staff_id
         WHERE m.office_id = ${officeId} AND s.deleted_at IS NULL
         ORDER BY s.full_name, s.id`.execute(k);
      return {
        office: { id: office.id, name: office.name },
        members: rows.map((r) => ({
          id: r.id,
          role: r.role,
          fullName: r.full_name,
          email: r.email,
          officeIds: r.office_ids ?? [],
          preferences: {
            emailNotification: r.email_notification,
            systemNotification: r.system_notification,
            inAppNotification: r.in_app_notification,
            emailThresholdDays: r.email_threshold_days as ThresholdDays,
            pushThresholdDays: r.push_threshold_days as ThresholdDays,
          },
        })),
      };
    },
    async staffNames(ids) {
      const valid = [...new Set(ids)].filter((id) => UUID.test(id));
      if (valid.length === 0) return new Map();
      const rows = await k
        .selectFrom('staffs')
        .select(['id', 'full_name'])
        .where('id', 'in', valid)
        .execute();
      return new Map(rows.map((r) => [r.id, r.full_name]));
    },
    async findStaff(idOrEmail) {
      const q = idOrEmail.trim();
      if (UUID.test(q)) return staffWithOffices(k, sql`staffs s`, sql`s.id = ${q}`);
      if (!q.includes('@') || q.length > 320) return null;
      return staffWithOffices(k, sql`staffs s`, sql`lower(s.email) = ${q.toLowerCase()}`);
    },
  };
}
