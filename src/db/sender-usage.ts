// How many emails each sender account used in the last 24 h: sent (by its name; the first account
// also owns rows sent before senders were recorded) plus rows a worker holds under a live lease.
// Shared by the distributed mode's claim (db/lease-queries.ts) and the in-process run (db/run-store.ts).
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Who may count against a sender's quota: its own rows, and for the first sender also rows sent before senders were recorded. */
export interface QuotaKey {
  sender: string;
  /** Count emails with no recorded sender (sent by `kigen run` in one process) as this sender's. */
  includeUnnamed: boolean;
}

/** Emails a sender has used in the last 24 h: sent, plus claimed by a live lease (of anyone but `exceptOwner`). */
export function usedBy(key: QuotaKey, exceptOwner: string) {
  return sql<number>`(
    (SELECT count(*) FROM deliveries WHERE channel = 'email' AND status = 'sent' AND sent_at > now() - interval '24 hours'
        AND (sender = ${key.sender} OR (${key.includeUnnamed}::boolean AND sender IS NULL)))
    + (SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_until IS NOT NULL AND sender = ${key.sender}
        AND lease_until > now() AND lease_owner <> ${exceptOwner}))::int`;
}

/** Emails used in the last 24 h by each sender (sent, or claimed by a live lease). */
export async function senderUsage(
  k: Kysely<Database>,
  keys: readonly QuotaKey[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (keys.length === 0) return out;
  const parts = keys.map((key) => sql`SELECT ${key.sender}::text AS sender, ${usedBy(key, '')} AS n`);
  const { rows } = await sql<{ sender: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(k);
  for (const r of rows) out.set(r.sender, r.n);
  return out;
}
