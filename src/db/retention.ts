// Retention of personal data (kigen prune, and after each daily run of kigen schedule).
//
// - A delivery's payload holds the welfare recipients' names (要配慮個人情報: they reveal a disability).
//   They are needed to send the message and to resend it on a rerun of the date; once the delivery is
//   final (sent, skipped, or failed permanently: a rerun never sends it again) and its run is over,
//   the names, readings and message lines go. What stays (ids, types, deadlines, counts, the staff
//   member's address) still answers "who was told what, when".
// - Delivery rows older than the delivery period go entirely; audit rows older than the audit period.
// - A run still running is never touched: its rows are in use.
// Run rows stay: they hold no names, and they are the claim that keeps a date from being sent twice.
import { type RawBuilder, sql } from 'kysely';
import type { Db } from './database.ts';

export interface RetentionPolicy {
  /** KIGEN_RETAIN_DELIVERY_DAYS (default 90). */
  deliveryDays: number;
  /** KIGEN_RETAIN_AUDIT_DAYS (default 1095). */
  auditDays: number;
}

export interface PruneCounts {
  /** Final deliveries whose payload had the recipients' names removed. */
  scrubbedPayloads: number;
  /** Delivery rows older than the delivery period. */
  deletedDeliveries: number;
  /** Audit rows older than the audit period. */
  deletedAuditRows: number;
}

const DAY_MS = 86_400_000;

/** Deliveries whose run is over. */
const runIsOver = sql`EXISTS (SELECT 1 FROM runs r WHERE r.id = d.run_id AND r.status <> 'running')`;
/** Final deliveries not scrubbed yet: a rerun never sends them again. */
const scrubbable = sql`d.payload_scrubbed_at IS NULL AND ${runIsOver}
  AND (d.status IN ('sent', 'skipped') OR (d.status = 'failed' AND d.error_kind = 'permanent'))`;
/** The payload without recipients' names, readings and message lines (alerts keep ids, types and dates). */
const scrubbedPayload = sql`jsonb_set(d.payload, '{notice,sections}', coalesce((
    SELECT jsonb_agg(jsonb_set(s.v, '{alerts}', coalesce((
             SELECT jsonb_agg(a.v - 'name' - 'reading' - 'message' ORDER BY a.n)
               FROM jsonb_array_elements(s.v -> 'alerts') WITH ORDINALITY a(v, n)), '[]'::jsonb)) ORDER BY s.n)
      FROM jsonb_array_elements(d.payload -> 'notice' -> 'sections') WITH ORDINALITY s(v, n)), '[]'::jsonb))`;

async function count(db: Db, from: RawBuilder<unknown>, where: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`.execute(
    db.k,
  );
  return rows[0]?.n ?? 0;
}

/** Applies the policy as of `now`; with dryRun, only counts what would go. */
export async function pruneData(
  db: Db,
  policy: RetentionPolicy,
  options: { dryRun?: boolean; now?: Date } = {},
): Promise<PruneCounts> {
  const now = (options.now ?? new Date()).getTime();
  const deliveryCutoff = new Date(now - policy.deliveryDays * DAY_MS).toISOString();
  const auditCutoff = new Date(now - policy.auditDays * DAY_MS).toISOString();
  const oldDelivery = sql`d.created_at < ${deliveryCutoff}::timestamptz AND ${runIsOver}`;
  const oldAudit = sql`a.created_at < ${auditCutoff}::timestamptz`;
  const deliveries = sql`deliveries d`;
  if (options.dryRun) {
    return {
      scrubbedPayloads: await count(db, deliveries, sql`${scrubbable} AND NOT (${oldDelivery})`),
      deletedDeliveries: await count(db, deliveries, oldDelivery),
      deletedAuditRows: await count(db, sql`audit_logs a`, oldAudit),
    };
  }
  const deleted = await sql`DELETE FROM deliveries d WHERE ${oldDelivery}`.execute(db.k);
  const scrubbed = await sql`UPDATE deliveries d SET payload = ${scrubbedPayload},
      payload_scrubbed_at = ${new Date(now).toISOString()}::timestamptz WHERE ${scrubbable}`.execute(db.k);
  const audit = await sql`DELETE FROM audit_logs a WHERE ${oldAudit}`.execute(db.k);
  return {
    scrubbedPayloads: Number(scrubbed.numAffectedRows ?? 0),
    deletedDeliveries: Number(deleted.numAffectedRows ?? 0),
    deletedAuditRows: Number(audit.numAffectedRows ?? 0),
  };
}
