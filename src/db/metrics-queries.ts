// What the metrics endpoint reads from the database at scrape time: one small statement each.
import { sql } from 'kysely';
import type { Db } from './database.ts';

/** The last completed run of a data scope, as the runs table records it. */
export interface LastRunRow {
  scope: string;
  /** When the last completed run finished, seconds since the epoch. */
  finishedAtSeconds: number;
  /** How long that run's last invocation took (finished_at − started_at; a resume restarts the clock). */
  durationSeconds: number;
}

/** The most recent completed run per data scope (the runs table holds one row per date and scope). */
export async function lastCompletedRuns(db: Db): Promise<LastRunRow[]> {
  const { rows } = await sql<{ scope: string; finished: number; duration: number }>`
    SELECT DISTINCT ON (scope) scope,
           extract(epoch FROM finished_at)::float8 AS finished,
           extract(epoch FROM finished_at - started_at)::float8 AS duration
      FROM runs
     WHERE status = 'completed' AND finished_at IS NOT NULL
     ORDER BY scope, finished_at DESC`.execute(db.k);
  return rows.map((r) => ({
    scope: r.scope,
    finishedAtSeconds: Number(r.finished),
    durationSeconds: Number(r.duration),
  }));
}

/**
 * Emails sent in the last 24 hours, whatever the data scope (the sender's quota is shared). Only runs
 * that finished within that window or have not finished can hold such rows, so the statement reads
 * those runs' deliveries through the (run_id, status) index instead of scanning every delivery.
 */
export async function emailsSentLast24h(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM deliveries
     WHERE run_id IN (SELECT id FROM runs WHERE finished_at IS NULL OR finished_at > now() - interval '24 hours')
       AND channel = 'email' AND status = 'sent' AND sent_at > now() - interval '24 hours'`.execute(db.k);
  return rows[0]?.n ?? 0;
}

/** The scrape-time reader of the metrics registry, over one database. */
export function createMetricsSource(db: Db): {
  lastCompletedRuns(): Promise<LastRunRow[]>;
  emailsSentLast24h(): Promise<number>;
} {
  return { lastCompletedRuns: () => lastCompletedRuns(db), emailsSentLast24h: () => emailsSentLast24h(db) };
}
