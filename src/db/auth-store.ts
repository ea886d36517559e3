// Storage of sign-in: magic-link tokens, sessions, API tokens, and the principal of a request.
// Secrets arrive here already hashed (hex SHA-256); the plain values never reach the database.
import { type Kysely, sql } from 'kysely';
import type { StaffRole } from '../domain/types.ts';
import { type AuditEntry, insertAudit } from './audit.ts';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import { staffWithOffices } from './staff-store.ts';

/** Who is asking: a live staff member, their role and the live offices they belong to. */
export interface PrincipalRecord {
  staffId: string;
  role: StaffRole;
  email: string;
  fullName: string;
  officeIds: string[];
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
}

export interface AuthStore {
  /** The live staff member with this address (case-insensitive), or null. */
  staffByEmail(email: string): Promise<{ id: string; fullName: string; email: string } | null>;
  insertSignInToken(tokenHash: string, staffId: string, expiresAt: Date): Promise<void>;
  /** Marks an unused, unexpired token used and returns its staff id; null when it cannot be used. */
  consumeSignInToken(tokenHash: string, now: Date): Promise<string | null>;
  /** Creates a session; `replacedHash` (the caller's previous session, if any) is deleted in the same transaction. */
  createSession(
    session: { idHash: string; staffId: string; expiresAt: Date; userAgent: string | null },
    replacedHash: string | null,
    audit: AuditEntry,
  ): Promise<void>;
  /** Deletes one session; returns its staff id when it existed. */
  deleteSession(idHash: string, audit: (staffId: string) => AuditEntry): Promise<string | null>;
  /** Deletes every session of a staff member; returns how many. */
  deleteStaffSessions(staffId: string, audit: AuditEntry): Promise<number>;
  principalBySession(idHash: string, now: Date): Promise<PrincipalRecord | null>;
  principalByApiToken(tokenHash: string): Promise<PrincipalRecord | null>;
  createApiToken(staffId: string, name: string, tokenHash: string, actorId: string): Promise<ApiTokenInfo>;
  listApiTokens(staffId: string): Promise<ApiTokenInfo[]>;
  deleteApiToken(staffId: string, id: string, actorId: string): Promise<boolean>;
  /** Removes expired sessions and sign-in tokens (bounded housekeeping). */
  purgeExpired(now: Date): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One statement: the staff row and the ids of their live offices, for a session or token row. */
async function principalWhere(
  k: Kysely<Database>,
  from: 'sessions' | 'api_tokens',
  hashColumn: 'id_hash' | 'token_hash',
  hash: string,
  now: Date | null,
): Promise<PrincipalRecord | null> {
  const expiry = now ? sql`AND x.expires_at > ${now}` : sql``;
  const staff = await staffWithOffices(
    k,
    sql`${sql.table(from)} x JOIN staffs s ON s.id = x.staff_id`,
    sql`x.${sql.ref(hashColumn)} = ${hash} ${expiry}`,
  );
  return staff
    ? {
        staffId: staff.id,
        role: staff.role,
        email: staff.email,
        fullName: staff.fullName,
        officeIds: staff.officeIds,
      }
    : null;
}

export function createAuthStore(db: Db): AuthStore {
  const k = db.k;
  return {
    async staffByEmail(email) {
      const row = await k
        .selectFrom('staffs')
        .select(['id', 'full_name', 'email'])
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row ? { id: row.id, fullName: row.full_name, email: row.email } : null;
    },
    async insertSignInToken(tokenHash, staffId, expiresAt) {
      await k
        .insertInto('sign_in_tokens')
        .values({ token_hash: tokenHash, staff_id: staffId, expires_at: expiresAt })
        .execute();
    },
    async consumeSignInToken(tokenHash, now) {
      const row = await k
        .updateTable('sign_in_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('staff_id')
        .executeTakeFirst();
      return row?.staff_id ?? null;
    },
    async createSession(session, replacedHash, audit) {
      await k.transaction().execute(async (trx) => {
        if (replacedHash) await trx.deleteFrom('sessions').where('id_hash', '=', replacedHash).execute();
        await trx
          .insertInto('sessions')
          .values({
            id_hash: session.idHash,
            staff_id: session.staffId,
            expires_at: session.expiresAt,
            user_agent: session.userAgent,
          })
          .execute();
        await insertAudit(trx, audit);
      });
    },
    async deleteSession(idHash, audit) {
      return k.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('sessions')
          .where('id_hash', '=', idHash)
          .returning('staff_id')
          .executeTakeFirst();
        if (!row) return null;
        await insertAudit(trx, audit(row.staff_id));
        return row.staff_id;
      });
    },
    async deleteStaffSessions(staffId, audit) {
      return k.transaction().execute(async (trx) => {
        const result = await trx.deleteFrom('sessions').where('staff_id', '=', staffId).executeTakeFirst();
        const count = Number(result.numDeletedRows);
        await insertAudit(trx, { ...audit, details: { ...audit.details, sessions: count } });
        return count;
      });
    },
    principalBySession: (idHash, now) => principalWhere(k, 'sessions', 'id_hash', idHash, now),
    principalByApiToken: (tokenHash) => principalWhere(k, 'api_tokens', 'token_hash', tokenHash, null),
    async createApiToken(staffId, name, tokenHash, actorId) {
      return k.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('api_tokens')
          .values({ staff_id: staffId, name, token_hash: tokenHash })
          .returning(['id', 'name', 'created_at'])
          .executeTakeFirstOrThrow();
        await insertAudit(trx, {
          actorId,
          action: 'api_token.created',
          targetType: 'api_token',
          targetId: row.id,
          details: { staff_id: staffId, name },
        });
        return { id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString() };
      });
    },
    async listApiTokens(staffId) {
      const rows = await k
        .selectFrom('api_tokens')
        .select(['id', 'name', 'created_at'])
        .where('staff_id', '=', staffId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: new Date(r.created_at).toISOString() }));
    },
    async deleteApiToken(staffId, id, actorId) {
      if (!UUID.test(id)) return false;
      return k.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('api_tokens')
          .where('id', '=', id)
          .where('staff_id', '=', staffId)
          .returning(['id', 'name'])
          .executeTakeFirst();
        if (!row) return false;
        await insertAudit(trx, {
          actorId,
          action: 'api_token.revoked',
          targetType: 'api_token',
          targetId: row.id,
          details: { staff_id: staffId, name: row.name },
        });
        return true;
      });
    },
    async purgeExpired(now) {
      await k.deleteFrom('sessions').where('expires_at', '<=', now).execute();
      await k.deleteFrom('sign_in_tokens').where('expires_at', '<=', now).execute();
    },
  };
}
