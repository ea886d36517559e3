// The run's storage, in SQL: claim, planned deliveries, batched outcomes with their audit rows.
// Batch writes are one statement over a JSON parameter, never a loop of round-trips.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { ChannelName } from '../domain/types.ts';
import type {
  AttemptAudit,
  DataScope,
  DeliveryOutcome,
  DeliveryStatus,
  PendingDelivery,
  PlannedDelivery,
  PlanReader,
  RunRow,
  RunStore,
} from '../run/ports.ts';
import {
  countOffices,
  latestCyclesForOffices,
  officeChunk,
  officeWithLatestCycles,
  pushSubscriptionsForStaff,
  staffForOffices,
} from './batch-queries.ts';
import { retryingMethods } from './connection-loss.ts';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';
import { senderUsage } from './sender-usage.ts';

export function createPlanReader(db: Db, scope: DataScope): PlanReader {
  const reader: PlanReader = {
    officeChunk: (afterId, limit, officeIds) =>
      officeChunk(db.k, { scope, afterId, limit, ...(officeIds ? { officeIds } : {}) }),
    staffForOffices: (officeIds) => staffForOffices(db.k, officeIds, scope),
    latestCycles: (officeIds, runDate, windowDays) =>
      latestCyclesForOffices(db.k, officeIds, runDate, windowDays, scope),
    pushSubscriptions: (staffIds) => pushSubscriptionsForStaff(db.k, staffIds),
    countOffices: () => countOffices(db.k, scope),
    officeWithLatestCycles: (officeId, runDate, windowDays) =>
      officeWithLatestCycles(db.k, officeId, runDate, windowDays, scope),
  };
  // Reads are safe to repeat: on PostgreSQL a statement ended by a lost connection is run again.
  return db.kind === 'postgres' ? retryingMethods(reader) : reader;
}

interface RunDbRow {
  id: string;
  run_date: string;
  scope: string;
  status: string;
  attempts: number;
  owner: string | null;
}

const toRun = (r: RunDbRow): RunRow => ({
  id: String(r.id),
  runDate: r.run_date,
  scope: r.scope as DataScope,
  status: r.status,
  attempts: r.attempts,
  owner: r.owner,
});

/** A pending delivery as SELECT id, staff_id, channel, device, office_key, attempts, payload returns it. */
export interface PendingRow {
  id: string;
  staff_id: string;
  channel: ChannelName;
  device: string;
  office_key: string;
  attempts: number;
  payload: PendingDelivery['payload'] | string;
}

export const toPendingDelivery = (r: PendingRow): PendingDelivery => ({
  id: String(r.id),
  staffId: r.staff_id,
  channel: r.channel,
  device: r.device,
  officeKey: r.office_key,
  attempts: r.attempts,
  payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
});

/** A stable 31-bit advisory-lock key for a run. */
function runLockKey(run: Pick<RunRow, 'runDate' | 'scope'>): number {
  return createHash('sha256').update(`kigen-run:${run.runDate}:${run.scope}`).digest().readUInt32BE(0) >>> 1;
}

export function createRunStore(db: Db): RunStore {
  const k = db.k;
  const store: RunStore = {
    async claim(runDate, scope, owner) {
      const inserted = await sql<RunDbRow>`
        INSERT INTO runs (run_date, scope, status, owner) VALUES (${runDate}, ${scope}, 'running', ${owner})
        ON CONFLICT (run_date, scope) DO NOTHING
        RETURNING id, run_date, scope, status, attempts, owner`.execute(k);
      const row = inserted.rows[0];
      if (row) return { run: toRun(row), created: true };
      const existing = await sql<RunDbRow>`
        SELECT id, run_date, scope, status, attempts, owner FROM runs WHERE run_date = ${runDate} AND scope = ${scope}`.execute(
        k,
      );
      const found = existing.rows[0];
      if (!found) throw new Error(`run row for ${runDate}/${scope} vanished during claim`);
      return { run: toRun(found), created: false };
    },
    lock: (run, onLost) => db.tryLock(runLockKey(run), onLost),
    async ledgerStatuses(runDate, deliveries) {
      if (deliveries.length === 0) return [];
      const keys = deliveries.map((d, i) => ({
        i,
        staff_id: d.staffId,
        channel: d.channel,
        device: d.device,
        office_key: d.officeKey,
      }));
      const { rows } = await sql<{ i: number; status: DeliveryStatus; error_kind: string | null }>`
        SELECT x.i, d.status, d.error_kind
          FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb)
               AS x(i int, staff_id uuid, channel text, device text, office_key text)
          JOIN deliveries d ON d.run_date = ${runDate}::date AND d.staff_id = x.staff_id AND d.channel = x.channel
                           AND d.device = x.device AND d.office_key = x.office_key`.execute(k);
      return rows.map((r) => ({ i: r.i, status: r.status, errorKind: r.error_kind }));
    },
    async findRun(runDate, scope) {
      const { rows } = await sql<RunDbRow>`
        SELECT id, run_date, scope, status, attempts, owner FROM runs WHERE run_date = ${runDate} AND scope = ${scope}`.execute(
        k,
      );
      return rows[0] ? toRun(rows[0]) : null;
    },
    async runRow(runId) {
      const { rows } = await sql<RunDbRow>`
        SELECT id, run_date, scope, status, attempts, owner FROM runs WHERE id = ${runId}`.execute(k);
      return rows[0] ? toRun(rows[0]) : null;
    },
    async resume(run, owner) {
      await sql`UPDATE runs SET status = 'running', owner = ${owner}, attempts = attempts + 1, started_at = now(),
                   finished_at = NULL, skip_reason = NULL WHERE id = ${run.id}`.execute(k);
    },
    async recordSkip(runDate, scope, reason) {
      await sql`
        INSERT INTO runs (run_date, scope, status, skip_reason, finished_at) VALUES (${runDate}, ${scope}, 'skipped', ${reason}, now())
        ON CONFLICT (run_date, scope) DO UPDATE SET skip_reason = EXCLUDED.skip_reason, finished_at = now()
        WHERE runs.status = 'skipped'`.execute(k);
    },
    async finish(runId, status, summary) {
      await sql`UPDATE runs SET status = ${status}, finished_at = now(), summary = ${JSON.stringify(summary)}::jsonb
                 WHERE id = ${runId}`.execute(k);
    },
    async insertDeliveries(run, deliveries) {
      if (deliveries.length === 0) return [];
      const rows = deliveries.map((d, i) => ({
        i,
        staff_id: d.staffId,
        channel: d.channel,
        device: d.device,
        office_key: d.officeKey,
        payload: d.payload,
      }));
      // RETURNING gives the new rows only; their position in the input maps them back to their payload.
      const { rows: inserted } = await sql<{ id: string; i: number }>`
        WITH x AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
                 AS x(i int, staff_id uuid, channel text, device text, office_key text, payload jsonb)
        ), ins AS (
          INSERT INTO deliveries (run_id, run_date, staff_id, channel, device, office_key, payload)
          SELECT ${run.id}::bigint, ${run.runDate}::date, staff_id, channel, device, office_key, payload FROM x ORDER BY i
          ON CONFLICT (run_date, staff_id, channel, device, office_key) DO NOTHING
          RETURNING id, staff_id, channel, device, office_key
        )
        SELECT ins.id, x.i FROM ins JOIN x USING (staff_id, channel, device, office_key) ORDER BY x.i`.execute(
        k,
      );
      return inserted.map(({ id, i }) => {
        const d = deliveries[i] as PlannedDelivery;
        return { ...d, id: String(id), attempts: 0 };
      });
    },
    async requeueFailed(runId) {
      const result = await sql`
        UPDATE deliveries SET status = 'pending', updated_at = now()
         WHERE run_id = ${runId} AND status = 'failed' AND error_kind IN ('transient', 'fatal')`.execute(k);
      return Number(result.numAffectedRows ?? 0);
    },
    async pendingDeliveries(runId, afterId, limit) {
      const { rows } = await sql<PendingRow>`
        SELECT id, staff_id, channel, device, office_key, attempts, payload FROM deliveries
         WHERE run_id = ${runId} AND status = 'pending' AND id > ${afterId ?? '0'}::bigint
         ORDER BY id LIMIT ${limit}`.execute(k);
      return rows.map(toPendingDelivery);
    },
    recordOutcomes: (outcomes, audits) => writeOutcomes(k, outcomes, audits, null),
    senderUsage: (senders) =>
      senderUsage(
        k,
        senders.map((s) => ({ sender: s.name, includeUnnamed: s.includeUnnamed })),
      ),
    async emailsSentSince(hours) {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM deliveries
         WHERE channel = 'email' AND status = 'sent' AND sent_at > now() - make_interval(hours => ${hours}::int)`.execute(
        k,
      );
      return rows[0]?.n ?? 0;
    },
    async failedDeliveries(runId, limit) {
      const { rows } = await sql<{
        channel: ChannelName;
        email: string | null;
        offices: string[] | string | null;
        error_kind: string | null;
        error_code: string | null;
        error_reason: string | null;
      }>`
        SELECT channel, payload->'notice'->>'email' AS email,
               (SELECT jsonb_agg(s->'office'->>'name') FROM jsonb_array_elements(payload->'notice'->'sections') s) AS offices,
               error_kind, error_code, error_reason
          FROM deliveries WHERE run_id = ${runId} AND status = 'failed' ORDER BY id LIMIT ${limit}`.execute(
        k,
      );
      return rows.map((r) => ({
        channel: r.channel,
        email: r.email ?? '',
        offices: (typeof r.offices === 'string' ? JSON.parse(r.offices) : r.offices) ?? [],
        errorKind: r.error_kind,
        errorCode: r.error_code,
        errorReason: r.error_reason,
      }));
    },
    async tally(runId) {
      const { rows } = await sql<{ channel: ChannelName; status: DeliveryStatus; count: number }>`
        SELECT channel, status, count(*)::int AS count FROM deliveries WHERE run_id = ${runId}
         GROUP BY channel, status ORDER BY channel, status`.execute(k);
      return rows;
    },
  };
  if (db.kind !== 'postgres') return { ...store, oneConnection: true };
  // On PostgreSQL a statement ended by a lost connection did not commit, and the pool reconnects:
  // each method is run again (every one is safe to repeat: inserts skip conflicts, updates set states).
  return retryingMethods(store);
}

/**
 * One statement: the outcomes, their audit rows, and the deletion of gone subscriptions. With a
 * `leaseOwner` (kigen worker), only rows that owner still holds are updated: a worker whose lease
 * was taken over cannot overwrite what the new holder recorded. Every outcome frees its row's lease.
 */
export async function writeOutcomes(
  k: Kysely<Database>,
  outcomes: readonly DeliveryOutcome[],
  audits: readonly AttemptAudit[],
  leaseOwner: string | null,
): Promise<void> {
  if (outcomes.length === 0 && audits.length === 0) return;
  const fence = leaseOwner === null ? sql`` : sql`AND d.lease_owner = ${leaseOwner}`;
  const o = outcomes.map((x) => ({
    id: x.id,
    status: x.status,
    attempts: x.attempts,
    error_kind: x.errorKind ?? null,
    error_code: x.errorCode ?? null,
    error_reason: x.errorReason ?? null,
    sent_at: x.sentAt?.toISOString() ?? null,
    sender: x.sender ?? null,
  }));
  const gone = outcomes.flatMap((x) => (x.goneSubscription ? [x.goneSubscription] : []));
  const a = audits.map((x) => ({
    target_id: x.deliveryId,
    office_id: x.officeId,
    action: x.action,
    details: { ...x.details, staff_id: x.staffId },
  }));
  // Data-modifying CTEs run exactly once whether or not the main query reads them.
  await sql`
    WITH o AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(o)}::jsonb) AS x(id bigint, status text, attempts int,
        error_kind text, error_code text, error_reason text, sent_at timestamptz, sender text)
    ), upd AS (
      UPDATE deliveries d SET status = o.status, attempts = d.attempts + o.attempts, error_kind = o.error_kind,
             error_code = o.error_code, error_reason = o.error_reason, sent_at = o.sent_at, updated_at = now(),
             sender = coalesce(o.sender, d.sender),
             lease_until = NULL, lease_owner = CASE WHEN o.status = 'pending' THEN NULL ELSE d.lease_owner END
        FROM o WHERE d.id = o.id ${fence} RETURNING d.id
    ), gone AS (
      DELETE FROM push_subscriptions p USING jsonb_to_recordset(${JSON.stringify(gone)}::jsonb) AS g(id uuid, endpoint text)
       WHERE p.id = g.id AND p.endpoint = g.endpoint RETURNING p.id
    )
    INSERT INTO audit_logs (actor_id, action, target_type, target_id, office_id, details)
    SELECT NULL::uuid, y.action, 'delivery', y.target_id, y.office_id, y.details
      FROM jsonb_to_recordset(${JSON.stringify(a)}::jsonb) AS y(target_id text, office_id uuid, action text, details jsonb)
    UNION ALL
    -- Only the subscriptions really deleted (endpoint unchanged) are recorded as deleted.
    SELECT NULL::uuid, 'push_subscription.deleted', 'push_subscription', gone.id::text, NULL::uuid,
           jsonb_build_object('reason', 'push service answered 404/410')
      FROM gone`.execute(k);
}
