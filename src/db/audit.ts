// Audit rows for mutations made through the API: who, what, on which target, before → after.
// Callers pass details without secrets (no tokens, keys or whole addresses); the row is written in
// the same transaction as the change it records.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface AuditEntry {
  /** The staff member who acted; null for the system. */
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  officeId?: string | null;
  details: Record<string, unknown>;
}

export async function insertAudit(k: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await k
    .insertInto('audit_logs')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      office_id: entry.officeId ?? null,
      details: JSON.stringify(entry.details),
    })
    .execute();
}
