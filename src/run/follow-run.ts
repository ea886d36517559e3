// `kigen run --via-workers`: hand the date to the workers, then follow its run row until it ends.
import type { ChannelName } from '../domain/types.ts';
import type { DataScope, DeliveryStatus } from './ports.ts';
import { emptyTotals, type RunSummary } from './summary.ts';

export interface RunRowView {
  id: string;
  status: string;
  attempts: number;
  finishedAt: Date | null;
  summary: unknown;
}

export interface FollowPorts {
  runRow(runDate: string, scope: DataScope): Promise<RunRowView | null>;
  tally(runId: string): Promise<Array<{ channel: ChannelName; status: DeliveryStatus; count: number }>>;
  /** Sends the run job; called once, after the run row's state before it was read. */
  enqueue(): Promise<void>;
  /** How many workers are registered now (for the hint when nothing happens). */
  workers(): Promise<number>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Enqueues the run and waits for its run row to end (a new finish time, or a new row), reporting
 * progress. Returns the summary the workers stored (or a skip summary), like a run in this process.
 */
export async function followQueuedRun(
  ports: FollowPorts,
  req: { runDate: string; scope: DataScope; timeZone: string; pollMs: number },
  on: {
    progress?(p: { planned: number; done: number }): void;
    waiting?(message: string): void;
    signal?: AbortSignal;
  } = {},
): Promise<RunSummary> {
  const before = await ports.runRow(req.runDate, req.scope);
  await ports.enqueue();
  const started = Date.now();
  let hinted = false;
  for (;;) {
    await ports.sleep(req.pollMs, on.signal);
    const row = await ports.runRow(req.runDate, req.scope);
    const changed =
      row &&
      row.status !== 'running' &&
      (!before ||
        row.attempts !== before.attempts ||
        row.finishedAt?.getTime() !== before.finishedAt?.getTime() ||
        row.id !== before.id);
    if (row && changed) return summaryOf(row, req);
    if (row && row.status === 'running' && on.progress) {
      let planned = 0;
      let done = 0;
      for (const t of await ports.tally(row.id)) {
        planned += t.count;
        if (t.status !== 'pending') done += t.count;
      }
      on.progress({ planned, done });
    }
    if (on.signal?.aborted) {
      const summary = summaryOf(
        row ?? { id: '', status: 'running', attempts: 0, finishedAt: null, summary: null },
        req,
      );
      summary.status = 'interrupted';
      summary.exitCode = 1;
      summary.message = 'stopped following; the workers go on with the run (see kigen queue status)';
      return summary;
    }
    if (!hinted && Date.now() - started > 30_000 && (!row || row.status === 'running')) {
      hinted = true;
      const n = await ports.workers();
      on.waiting?.(
        n === 0
          ? 'no kigen worker is running: start one (kigen worker) or run without --via-workers'
          : `waiting for ${n} worker(s) to finish the run`,
      );
    }
  }
}

function summaryOf(
  row: RunRowView,
  req: { runDate: string; scope: DataScope; timeZone: string },
): RunSummary {
  if (
    row.status !== 'skipped' &&
    row.summary &&
    typeof row.summary === 'object' &&
    'deliveries' in row.summary
  )
    return row.summary as RunSummary;
  const skipped = row.status === 'skipped';
  return {
    runDate: req.runDate,
    timeZone: req.timeZone,
    scope: req.scope,
    mode: 'live',
    status: skipped ? 'skipped' : 'failed',
    exitCode: skipped ? 0 : 1,
    message: skipped
      ? `${req.runDate} is not a business day; nothing sent. Use --force to run anyway.`
      : `the run ended as ${row.status}: ${JSON.stringify(row.summary ?? {})}`,
    resumed: false,
    offices: 0,
    staff: 0,
    deliveries: { email: emptyTotals(), push: emptyTotals() },
    failures: [],
    push: { enabled: false },
    statements: { read: 0, write: 0, ddl: 0, other: 0 },
    phases: { planMs: 0, deliverMs: 0, totalMs: 0 },
    memory: { rssStartBytes: 0, rssPeakBytes: 0, rssGrowthBytes: 0 },
    throughput: { messagesPerSecond: 0 },
  };
}
