// Run history for operators: runs, and one run's deliveries with keyset paging.
import { sql } from 'kysely';
import { insertAudit } from './audit.ts';
import type { Db } from './database.ts';

export interface RunListItem {
  id: string;
  runDate: string;
  scope: string;
  status: string;
  skipReason: string | null;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  summary: unknown;
}

export interface DeliveryListItem {
  id: string;
  staffId: string;
  /** The staff member's address as the notice carried it; callers mask it. */
  email: string | null;
  channel: string;
  officeKey: string;
  status: string;
  attempts: number;
  errorKind: string | null;
  errorCode: string | null;
  errorReason: string | null;
  sentAt: string | null;
  updatedAt: string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export interface RunQueries {
  /** The audit row of an operator starting (or resuming) a run through the API. */
  recordRunRequest(actorId: string, runDate: string, force: boolean): Promise<void>;
  /** Newest first; `beforeId` continues a page. */
  listRuns(opts: { limit: number; beforeId: string | null }): Promise<RunListItem[]>;
  runExists(runId: string): Promise<boolean>;
  /** By id ascending, after `afterId`, optionally one status and one channel. */
  deliveries(
    runId: string,
    opts: { status?: string; channel?: string; afterId: string | null; limit: number },
  ): Promise<DeliveryListItem[]>;
}

export function createRunQueries(db: Db): RunQueries {
  const k = db.k;
  return {
    recordRunRequest: (actorId, runDate, force) =>
      insertAudit(k, {
        actorId,
        action: 'run.requested',
        targetType: 'run_date',
        targetId: runDate,
        details: { force },
      }),
    async listRuns({ limit, beforeId }) {
      let q = k
        .selectFrom('runs')
        .select([
          'id',
          'run_date',
          'scope',
          'status',
          'skip_reason',
          'attempts',
          'started_at',
          'finished_at',
          'summary',
        ])
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) q = q.where('id', '<', beforeId);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: String(r.id),
        runDate: r.run_date,
        scope: r.scope,
        status: r.status,
        skipReason: r.skip_reason,
        attempts: r.attempts,
        startedAt: iso(r.started_at) as string,
        finishedAt: iso(r.finished_at),
        summary: typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary,
      }));
    },
    async runExists(runId) {
      const row = await k.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst();
      return row !== undefined;
    },
    async deliveries(runId, opts) {
      let q = k
        .selectFrom('deliveries')
        .select([
          'id',
          'staff_id',
          sql<string | null>`payload->'notice'->>'email'`.as('email'),
          'channel',
          'office_key',
          'status',
          'attempts',
          'error_kind',
          'error_code',
          'error_reason',
          'sent_at',
          'updated_at',
        ])
        .where('run_id', '=', runId)
        .orderBy('id')
        .limit(opts.limit);
      if (opts.afterId) q = q.where('id', '>', opts.afterId);
      if (opts.status) q = q.where('status', '=', opts.status);
      if (opts.channel) q = q.where('channel', '=', opts.channel);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: String(r.id),
        staffId: r.staff_id,
        email: r.email,
        channel: r.channel,
        officeKey: r.office_key,
        status: r.status,
        attempts: r.attempts,
        errorKind: r.error_kind,
        errorCode: r.error_code,
        errorReason: r.error_reason,
        sentAt: iso(r.sent_at),
        updatedAt: iso(r.updated_at) as string,
      }));
    },
  };
}
