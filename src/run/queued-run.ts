// The daily run spread over `kigen worker` processes: the same gate, claim, plan and deliverer as
// `kigen run`, cut into coarse jobs. The deliveries ledger stays the source of truth; the queue only
// says which work to look at. queue/ calls these functions and carries their results as jobs.
import { businessDayCheck, type ClosureRange } from '../domain/business-day.ts';
import type { NoticeGrouping } from '../domain/notices.ts';
import type { ChannelName } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import type { FailureCount } from './deliver.ts';
import { planChunk } from './plan.ts';
import type { DataScope, PlanReader, RunRow, RunStore } from './ports.ts';
import { type ChannelTotals, emptyTotals, type RunSummary, statusAndExit } from './summary.ts';

/** What the distributed run needs from storage beyond the RunStore (db/lease-queries.ts). */
export interface QueuedRunStore {
  runs: RunStore;
  /** Last office id of each chunk, and the number of live offices. */
  chunkBounds(scope: DataScope, size: number): Promise<{ lastIds: string[]; offices: number }>;
  pendingIdsForKeys(
    runDate: string,
    keys: ReadonlyArray<{ staffId: string; channel: ChannelName; device: string; officeKey: string }>,
  ): Promise<Array<{ id: string; channel: ChannelName }>>;
  unleasedPending(runId: string): Promise<Array<{ id: string; channel: ChannelName }>>;
  /** Emails each sender used in the last 24 h (sent, or leased), by sender name. */
  senderUsage(
    senders: ReadonlyArray<{ name: string; includeUnnamed: boolean }>,
  ): Promise<Map<string, number>>;
  failureCounts(runId: string): Promise<FailureCount[]>;
  /** Staff members with a delivery in the run. */
  staffCount(runId: string): Promise<number>;
}

export interface SenderCapacity {
  name: string;
  ratePerSecond: number;
  dailyQuota: number;
  includeUnnamed: boolean;
  /**
   * Deliveries per send job for a sender without a rate (default 500). Such a sender's jobs run on
   * every worker at once, so smaller jobs spread a run's emails over all workers' connections.
   */
  unlimitedBatchSize?: number;
}

export interface ChunkBounds {
  chunkNo: number;
  /** Offices after this id (null: from the first)… */
  afterId: string | null;
  /** …up to and including this one. */
  lastId: string;
}

export type StartResult =
  | { kind: 'skipped'; reason: string }
  | { kind: 'done'; runId: string }
  | { kind: 'busy'; runId: string }
  | { kind: 'started'; run: RunRow; attempt: number; chunks: ChunkBounds[]; offices: number };

/** The run job: gate → claim the run row → chunk bounds (one statement). The caller enqueues the plan jobs. */
export async function startQueuedRun(
  deps: { store: QueuedRunStore; logger: Logger; hasOutstandingJobs(runId: string): Promise<boolean> },
  req: {
    runDate: string;
    scope: DataScope;
    force: boolean;
    /** A scheduled run does nothing for a date that completed already; a requested one resumes it. */
    scheduled: boolean;
    closures: readonly ClosureRange[];
    chunkSize: number;
    owner: string;
  },
): Promise<StartResult> {
  const log = deps.logger.child({ runDate: req.runDate, scope: req.scope });
  const day = businessDayCheck(req.runDate, [...req.closures]);
  if (!day.business && !req.force) {
    await deps.store.runs.recordSkip(req.runDate, req.scope, `${day.reason}: ${day.name}`);
    log.info({ reason: day.reason }, 'not a business day: skipped');
    return { kind: 'skipped', reason: `${day.reason}: ${day.name}` };
  }
  const { run, created } = await deps.store.runs.claim(req.runDate, req.scope, req.owner);
  let attempt = 1;
  if (!created) {
    if (run.status === 'running' && (await deps.hasOutstandingJobs(run.id))) {
      log.info('the run is already in progress on the workers');
      return { kind: 'busy', runId: run.id };
    }
    if (req.scheduled && run.status === 'completed') return { kind: 'done', runId: run.id };
    // A `kigen run` in one process holds the run's lock while it works: leave the date to it.
    const release = await deps.store.runs.lock(run);
    if (!release) return { kind: 'busy', runId: run.id };
    await release();
    await deps.store.runs.resume(run, req.owner);
    if (run.status !== 'skipped') await deps.store.runs.requeueFailed(run.id);
    attempt = run.attempts + 1;
  }
  const { lastIds: bounds, offices } = await deps.store.chunkBounds(req.scope, req.chunkSize);
  const chunks = bounds.map((lastId, i) => ({
    chunkNo: i,
    afterId: i === 0 ? null : (bounds[i - 1] ?? null),
    lastId,
  }));
  log.info({ chunks: chunks.length, attempt }, 'run started on the workers');
  return { kind: 'started', run: { ...run, status: 'running' }, attempt, chunks, offices };
}

export interface SendBatchPlan {
  channel: ChannelName;
  /** The sender account of an email batch; null for push. */
  sender: string | null;
  ids: string[];
}

export interface Routed {
  batches: SendBatchPlan[];
  /** Emails no sender has quota left for: they stay pending for a later run. */
  unassigned: number;
}

/**
 * Deliveries per send job: at most 500, and about four minutes of a rate-limited sender's work; for
 * a sender without a rate, its `unlimitedBatchSize`.
 */
export function batchSizeFor(sender: SenderCapacity | null): number {
  if (!sender || sender.ratePerSecond <= 0)
    return Math.max(1, Math.min(500, sender?.unlimitedBatchSize ?? 500));
  return Math.max(1, Math.min(500, Math.floor(sender.ratePerSecond * 240)));
}

/**
 * Spreads pending deliveries over send batches. Emails go to the sender with the most quota left
 * (unlimited first), ties to the one with the fewest emails per unit of rate; what no sender can take
 * is counted as unassigned. The send job's claim checks the quota again, under a lock.
 */
export async function routeDeliveries(
  store: QueuedRunStore,
  pending: ReadonlyArray<{ id: string; channel: ChannelName }>,
  senders: readonly SenderCapacity[],
): Promise<Routed> {
  const batches: SendBatchPlan[] = [];
  const push = pending.filter((p) => p.channel === 'push').map((p) => p.id);
  for (let i = 0; i < push.length; i += 500)
    batches.push({ channel: 'push', sender: null, ids: push.slice(i, i + 500) });
  const emails = pending.filter((p) => p.channel === 'email').map((p) => p.id);
  if (emails.length === 0) return { batches, unassigned: 0 };
  const limited = senders.filter((s) => s.dailyQuota > 0);
  const used = limited.length > 0 ? await store.senderUsage(limited) : new Map<string, number>();
  const state = senders.map((s) => ({
    sender: s,
    left: s.dailyQuota > 0 ? Math.max(0, s.dailyQuota - (used.get(s.name) ?? 0)) : Number.POSITIVE_INFINITY,
    ids: [] as string[],
    weight: s.ratePerSecond > 0 ? s.ratePerSecond : 1,
  }));
  let unassigned = 0;
  for (const id of emails) {
    let best: (typeof state)[number] | undefined;
    for (const s of state) {
      if (s.left <= 0) continue;
      if (
        !best ||
        s.left > best.left ||
        (s.left === best.left && s.ids.length / s.weight < best.ids.length / best.weight)
      )
        best = s;
    }
    if (!best) {
      unassigned += 1;
      continue;
    }
    best.left -= 1;
    best.ids.push(id);
  }
  for (const s of state) {
    const size = batchSizeFor(s.sender);
    for (let i = 0; i < s.ids.length; i += size)
      batches.push({ channel: 'email', sender: s.sender.name, ids: s.ids.slice(i, i + size) });
  }
  return { batches, unassigned };
}

/** A plan job: one chunk of offices planned, recorded, and routed to send batches. */
export async function planQueuedChunk(
  deps: { reader: PlanReader; store: QueuedRunStore; logger: Logger },
  job: { runId: string; runDate: string; scope: DataScope; afterId: string | null; lastId: string },
  opts: { chunkSize: number; grouping: NoticeGrouping; push: boolean; senders: readonly SenderCapacity[] },
): Promise<Routed & { planned: number }> {
  const offices = [];
  let after = job.afterId;
  for (;;) {
    const page = await deps.reader.officeChunk(after, opts.chunkSize);
    for (const o of page) if (o.id <= job.lastId) offices.push(o);
    const last = page.at(-1);
    if (!last || last.id >= job.lastId || page.length < opts.chunkSize) break;
    after = last.id;
  }
  const chunk = await planChunk(deps.reader, offices, {
    runDate: job.runDate,
    chunkSize: opts.chunkSize,
    grouping: opts.grouping,
    push: opts.push,
  });
  const run: RunRow = {
    id: job.runId,
    runDate: job.runDate,
    scope: job.scope,
    status: 'running',
    attempts: 0,
    owner: null,
  };
  for (let i = 0; i < chunk.deliveries.length; i += 500)
    await deps.store.runs.insertDeliveries(run, chunk.deliveries.slice(i, i + 500));
  // Pending rows of this chunk, new or not: a retried plan job routes what its first attempt left.
  const pending = await deps.store.pendingIdsForKeys(job.runDate, chunk.deliveries);
  const routed = await routeDeliveries(deps.store, pending, opts.senders);
  if (routed.unassigned > 0) {
    deps.logger.warn(
      { runDate: job.runDate, unassigned: routed.unassigned },
      `the daily quota of every sender is used up: ${routed.unassigned} emails stay pending for a later run`,
    );
  }
  return { ...routed, planned: chunk.deliveries.length };
}

export type WatchResult =
  | { kind: 'again' }
  | { kind: 'requeue'; routed: Routed }
  | { kind: 'finished'; summary: RunSummary };

/** Most times a run hands its stranded rows to new send jobs before it ends with them pending. */
export const MAX_REQUEUES = 5;

/**
 * The watch job: while plan or send jobs of the run are queued or running, look again later. Then
 * route the rows nothing holds any more (a stopped worker, a dead-lettered job) to new send jobs, at
 * most MAX_REQUEUES times; else finish the run row with its summary.
 */
export async function watchQueuedRun(
  deps: {
    store: QueuedRunStore;
    logger: Logger;
    outstanding(): Promise<{ jobs: number; dead: number }>;
  },
  job: {
    runId: string;
    runDate: string;
    scope: DataScope;
    attempt: number;
    requeues: number;
    startedAt: number;
    timeZone: string;
    pushEnabled: boolean;
    offices?: number;
  },
  senders: readonly SenderCapacity[],
): Promise<WatchResult> {
  const { jobs, dead } = await deps.outstanding();
  if (jobs > 0) return { kind: 'again' };
  if (job.requeues < MAX_REQUEUES) {
    const stranded = await deps.store.unleasedPending(job.runId);
    if (stranded.length > 0) {
      const routed = await routeDeliveries(deps.store, stranded, senders);
      if (routed.batches.length > 0) {
        deps.logger.info(
          { runId: job.runId, stranded: stranded.length },
          'handing stranded deliveries to new jobs',
        );
        return { kind: 'requeue', routed };
      }
    }
  }
  const summary = await queuedRunSummary(deps.store, job, senders, dead);
  await deps.store.runs.finish(job.runId, summary.status === 'completed' ? 'completed' : 'failed', summary);
  deps.logger.info({ runId: job.runId, status: summary.status }, 'run finished on the workers');
  return { kind: 'finished', summary };
}

async function queuedRunSummary(
  store: QueuedRunStore,
  job: {
    runId: string;
    runDate: string;
    scope: DataScope;
    attempt: number;
    startedAt: number;
    timeZone: string;
    pushEnabled: boolean;
    offices?: number;
  },
  senders: readonly SenderCapacity[],
  dead: number,
): Promise<RunSummary> {
  const totals: Record<ChannelName, ChannelTotals> = {
    email: { pending: 0, sent: 0, failed: 0, skipped: 0 },
    push: { pending: 0, sent: 0, failed: 0, skipped: 0 },
  };
  for (const row of await store.runs.tally(job.runId)) totals[row.channel][row.status] = row.count;
  const deliveries = { email: emptyTotals(), push: emptyTotals() };
  for (const channel of ['email', 'push'] as const) {
    const t = totals[channel];
    Object.assign(deliveries[channel], { ...t, planned: t.pending + t.sent + t.failed + t.skipped });
  }
  const summary: RunSummary = {
    runDate: job.runDate,
    timeZone: job.timeZone,
    scope: job.scope,
    mode: 'live',
    status: 'completed',
    exitCode: 0,
    message: '',
    resumed: job.attempt > 1,
    offices: job.offices ?? 0,
    staff: await store.staffCount(job.runId),
    deliveries,
    totals,
    failures: await store.failureCounts(job.runId),
    push: job.pushEnabled ? { enabled: true } : { enabled: false, reason: 'not configured' },
    statements: { read: 0, write: 0, ddl: 0, other: 0 },
    phases: { planMs: 0, deliverMs: 0, totalMs: Math.max(0, Date.now() - job.startedAt) },
    memory: { rssStartBytes: 0, rssPeakBytes: 0, rssGrowthBytes: 0 },
    throughput: { messagesPerSecond: 0 },
  };
  const limited = senders.filter((s) => s.dailyQuota > 0);
  if (limited.length === senders.length && limited.length > 0) {
    const used = await store.senderUsage(limited);
    const quota = limited.reduce((n, s) => n + s.dailyQuota, 0);
    const usedAll = [...used.values()].reduce((n, v) => n + v, 0);
    summary.quota = {
      dailyQuota: quota,
      usedLast24h: usedAll,
      remaining: Math.max(0, quota - usedAll),
      deferred: quota - usedAll <= 0 ? totals.email.pending : 0,
    };
  }
  const sent = totals.email.sent + totals.push.sent;
  summary.throughput.messagesPerSecond =
    summary.phases.totalMs > 0 ? Math.round((sent / summary.phases.totalMs) * 10_000) / 10 : 0;
  Object.assign(summary, statusAndExit(summary));
  if (dead > 0) {
    summary.status = 'partial';
    summary.exitCode = 1;
    summary.message = [
      summary.message,
      `${dead} jobs of this run are in the dead-letter queue: see kigen queue status, then kigen queue redrive`,
    ]
      .filter(Boolean)
      .join('\n');
  }
  return summary;
}
