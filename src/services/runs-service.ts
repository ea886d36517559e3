// Run history and failed deliveries for operators, with addresses masked.
import type { DeliveryListItem, RunListItem, RunQueries } from '../db/run-queries.ts';
import { maskEmail } from '../domain/mask.ts';
import type { RunRunner } from './run-runner.ts';
import { notFound } from './service-errors.ts';

export interface MaskedDelivery extends Omit<DeliveryListItem, 'email'> {
  /** 't***@example.jp': enough to recognise, never the whole address. */
  email: string | null;
}

export function createRunsService(queries: RunQueries, runner: RunRunner) {
  return {
    /** Starts (or resumes) the run for a date in the background, and records who asked. */
    async start(actorId: string, runDate: string, force: boolean): Promise<{ runDate: string }> {
      const started = runner.start(runDate, { force }, `api:${actorId}`);
      await queries.recordRunRequest(actorId, runDate, force);
      return started;
    },
    listRuns(opts: { limit: number; before?: string | undefined }): Promise<RunListItem[]> {
      return queries.listRuns({ limit: opts.limit, beforeId: opts.before ?? null });
    },
    async deliveries(
      runId: string,
      opts: {
        status?: string | undefined;
        channel?: string | undefined;
        after?: string | undefined;
        limit: number;
      },
    ): Promise<{ deliveries: MaskedDelivery[]; next: string | null }> {
      if (!(await queries.runExists(runId))) throw notFound('run');
      const rows = await queries.deliveries(runId, {
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.channel ? { channel: opts.channel } : {}),
        afterId: opts.after ?? null,
        limit: opts.limit,
      });
      return {
        deliveries: rows.map((r) => ({ ...r, email: r.email === null ? null : maskEmail(r.email) })),
        next: rows.length === opts.limit ? (rows.at(-1)?.id ?? null) : null,
      };
    },
  };
}
export type RunsService = ReturnType<typeof createRunsService>;
