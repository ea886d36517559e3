// The ledger lease of the distributed mode: a worker claims pending deliveries for a while, renews
// the claim, and frees it; a sender account's daily quota is counted under an advisory lock so that
// workers on several machines never claim more than it allows. Each function is one statement
// (the quota claim: a short transaction of three).
import { type Kysely, sql } from 'kysely';
import type { FailureKind } from '../channels/channel.ts';
import type { ChannelName } from '../domain/types.ts';
import type { LeaseStore } from '../run/leased-send.ts';
import type { DataScope, PendingDelivery } from '../run/ports.ts';
import type { QueuedRunStore } from '../run/queued-run.ts';
import type { Db } from './database.ts';
import { createRunStore, type PendingRow, toPendingDelivery, writeOutcomes } from './run-store.ts';
import type { Database } from './schema.ts';
import { type QuotaKey, senderUsage, usedBy } from './sender-usage.ts';

export type { QuotaKey };

export interface ClaimOptions {
  ids: readonly string[];
  /** The job attempt that claims: `${job.id}:${job.retryCount}`. */
  owner: string;
  leaseSeconds: number;
  /** The sender account that will send these emails (null for push). */
  quota: (QuotaKey & { dailyQuota: number }) | null;
}

/**
 * Leases the pending rows of `ids` that nobody holds (or whose lease expired). With a quota, at most
 * as many as the sender has left in 24 h; the rest stay pending and free. Returns the leased rows.
 */
export async function claimDeliveries(
  k: Kysely<Database>,
  opts: ClaimOptions,
): Promise<{ rows: PendingDelivery[]; quotaRemaining: number | null }> {
  if (opts.ids.length === 0) return { rows: [], quotaRemaining: null };
  const ids = opts.ids.map(String);
  const claim = (q: Kysely<Database>, limit: number | null) =>
    sql<PendingRow>`
    UPDATE deliveries SET lease_owner = ${opts.owner}, lease_until = now() + make_interval(secs => ${opts.leaseSeconds}),
           sender = coalesce(${opts.quota?.sender ?? null}::text, sender), updated_at = now()
     WHERE id IN (SELECT id FROM deliveries WHERE id = ANY(${ids}::bigint[]) AND status = 'pending'
                    AND (lease_until IS NULL OR lease_until < now())
                  ORDER BY id ${limit === null ? sql`` : sql`LIMIT ${limit}`} FOR UPDATE SKIP LOCKED)
    RETURNING id, staff_id, channel, device, office_key, attempts, payload`.execute(q);
  const quota = opts.quota;
  if (!quota || quota.dailyQuota <= 0) {
    const { rows } = await claim(k, null);
    return { rows: rows.map(toPendingDelivery).sort(byId), quotaRemaining: null };
  }
  return k.transaction().execute(async (trx) => {
    // One claimer per sender at a time, on every machine: the count and the claim cannot interleave.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`kigen:quota:${quota.sender}`}))`.execute(trx);
    const { rows: used } = await sql<{ n: number }>`SELECT ${usedBy(quota, opts.owner)} AS n`.execute(trx);
    const left = Math.max(0, quota.dailyQuota - (used[0]?.n ?? 0));
    if (left === 0) return { rows: [], quotaRemaining: 0 };
    const { rows } = await claim(trx, left);
    return { rows: rows.map(toPendingDelivery).sort(byId), quotaRemaining: left - rows.length };
  });
}

const byId = (a: PendingDelivery, b: PendingDelivery) => Number(a.id) - Number(b.id);

/** Extends the lease on every row this owner still holds; returns how many. */
export async function renewLeases(k: Kysely<Database>, owner: string, leaseSeconds: number): Promise<number> {
  const result = await sql`
    UPDATE deliveries SET lease_until = now() + make_interval(secs => ${leaseSeconds})
     WHERE lease_owner = ${owner} AND status = 'pending' AND lease_until IS NOT NULL`.execute(k);
  return Number(result.numAffectedRows ?? 0);
}

/** Frees the rows this owner still holds, so another worker may take them at once. */
export async function releaseLeases(k: Kysely<Database>, owner: string): Promise<number> {
  const result = await sql`
    UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
     WHERE lease_owner = ${owner} AND status = 'pending'`.execute(k);
  return Number(result.numAffectedRows ?? 0);
}

export interface DeliveryKeyRow {
  staffId: string;
  channel: ChannelName;
  device: string;
  officeKey: string;
}

/** Ids of the rows of `runDate` with these keys that are still pending, by id. */
export async function pendingIdsForKeys(
  k: Kysely<Database>,
  runDate: string,
  keys: readonly DeliveryKeyRow[],
): Promise<Array<{ id: string; channel: ChannelName }>> {
  if (keys.length === 0) return [];
  const json = JSON.stringify(
    keys.map((x) => ({ staff_id: x.staffId, channel: x.channel, device: x.device, office_key: x.officeKey })),
  );
  const { rows } = await sql<{ id: string; channel: ChannelName }>`
    SELECT d.id, d.channel FROM deliveries d
      JOIN jsonb_to_recordset(${json}::jsonb) AS x(staff_id uuid, channel text, device text, office_key text)
        ON d.run_date = ${runDate}::date AND d.staff_id = x.staff_id AND d.channel = x.channel
       AND d.device = x.device AND d.office_key = x.office_key
     WHERE d.status = 'pending'
     ORDER BY d.id`.execute(k);
  return rows.map((r) => ({ id: String(r.id), channel: r.channel }));
}

/**
 * Pending rows of a run that no live lease holds and that no fatal error stopped: what is left when
 * a job was dead-lettered, a worker stopped, or a sender had no quota left when its job ran.
 */
export async function unleasedPending(
  k: Kysely<Database>,
  runId: string,
): Promise<Array<{ id: string; channel: ChannelName }>> {
  const { rows } = await sql<{ id: string; channel: ChannelName }>`
    SELECT id, channel FROM deliveries
     WHERE run_id = ${runId} AND status = 'pending' AND (lease_until IS NULL OR lease_until < now())
       AND error_kind IS DISTINCT FROM 'fatal'
     ORDER BY id`.execute(k);
  return rows.map((r) => ({ id: String(r.id), channel: r.channel }));
}

/** The last office id of each chunk of `size` live offices, in order (the last chunk may be smaller). */
export async function chunkBounds(
  k: Kysely<Database>,
  scope: DataScope,
  size: number,
): Promise<{ lastIds: string[]; offices: number }> {
  const { rows } = await sql<{ id: string; total: string }>`
    SELECT id, total FROM (
      SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total
        FROM offices WHERE deleted_at IS NULL AND is_test_data = ${scope === 'test'}
    ) s WHERE n % ${size} = 0 OR n = total ORDER BY id`.execute(k);
  return { lastIds: rows.map((r) => r.id), offices: Number(rows[0]?.total ?? 0) };
}

/** Staff members with at least one delivery in the run. */
export async function staffOfRun(k: Kysely<Database>, runId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(DISTINCT staff_id)::int AS n FROM deliveries WHERE run_id = ${runId}`.execute(k);
  return rows[0]?.n ?? 0;
}

/** The run row of (date, scope), if any, with its stored summary. */
export async function runRowOf(
  k: Kysely<Database>,
  runDate: string,
  scope: DataScope,
): Promise<{
  id: string;
  status: string;
  attempts: number;
  finishedAt: Date | null;
  summary: unknown;
} | null> {
  const { rows } = await sql<{
    id: string;
    status: string;
    attempts: number;
    finished_at: Date | null;
    summary: unknown;
  }>`SELECT id, status, attempts, finished_at, summary FROM runs WHERE run_date = ${runDate} AND scope = ${scope}`.execute(
    k,
  );
  const r = rows[0];
  if (!r) return null;
  const summary = typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary;
  return { id: String(r.id), status: r.status, attempts: r.attempts, finishedAt: r.finished_at, summary };
}

/** Failed deliveries of a run by channel, kind and code. */
export async function failureCountsOf(
  k: Kysely<Database>,
  runId: string,
): Promise<Array<{ channel: ChannelName; kind: FailureKind; code: string; count: number }>> {
  const { rows } = await sql<{ channel: ChannelName; kind: FailureKind; code: string; count: number }>`
    SELECT channel, coalesce(error_kind, 'permanent') AS kind, coalesce(error_code, '') AS code, count(*)::int AS count
      FROM deliveries WHERE run_id = ${runId} AND status = 'failed'
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(k);
  return rows;
}

/** The stores of the distributed mode over one database. */
export function createQueuedRunStore(db: Db): QueuedRunStore & { leases: LeaseStore } {
  const k = db.k;
  return {
    runs: createRunStore(db),
    chunkBounds: (scope, size) => chunkBounds(k, scope, size),
    pendingIdsForKeys: (runDate, keys) => pendingIdsForKeys(k, runDate, keys),
    unleasedPending: (runId) => unleasedPending(k, runId),
    senderUsage: (senders) =>
      senderUsage(
        k,
        senders.map((s) => ({ sender: s.name, includeUnnamed: s.includeUnnamed })),
      ),
    failureCounts: (runId) => failureCountsOf(k, runId),
    staffCount: (runId) => staffOfRun(k, runId),
    leases: {
      claim: (opts) => claimDeliveries(k, opts),
      renew: (owner, seconds) => renewLeases(k, owner, seconds),
      release: (owner) => releaseLeases(k, owner),
      recordOutcomes: (owner, outcomes, audits) => writeOutcomes(k, outcomes, audits, owner),
    },
  };
}
