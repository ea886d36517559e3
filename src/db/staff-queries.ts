// Looking a staff member up for a person at a terminal or a browser (preview, the HTTP API).
import { sql } from 'kysely';
import { isUuid } from '../domain/uuid.ts';
import type { DataScope } from './batch-queries.ts';
import type { Db } from './database.ts';

export interface StaffIdentity {
  id: string;
  email: string;
}

/**
 * Staff whose id is `who` (a uuid) or whose email is `who`, ignoring case: mailbox providers treat
 * `Taro@Example.jp` and `taro@example.jp` as one person. At most two rows (two means ambiguous).
 */
export async function staffByIdOrEmail(db: Db, who: string): Promise<StaffIdentity[]> {
  const { rows } = isUuid(who)
    ? await sql<StaffIdentity>`SELECT id, email FROM staffs WHERE id = ${who}::uuid`.execute(db.k)
    : await sql<StaffIdentity>`
        SELECT id, email FROM staffs WHERE lower(email) = lower(${who}) ORDER BY email = ${who} DESC, id LIMIT 2`.execute(
        db.k,
      );
  return rows;
}

/** The live offices of a staff member in the data scope, by id. */
export async function liveOfficeIdsOfStaff(db: Db, staffId: string, scope: DataScope): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT o.id FROM office_staffs m JOIN offices o ON o.id = m.office_id
     WHERE m.staff_id = ${staffId}::uuid AND o.deleted_at IS NULL AND o.is_test_data = ${scope === 'test'}
     ORDER BY o.id`.execute(db.k);
  return rows.map((r) => r.id);
}
