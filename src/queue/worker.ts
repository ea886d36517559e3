// kigen worker: the job handlers. Each one parses its job, calls the run code (src/run/queued-run.ts,
// src/run/leased-send.ts) and turns the result into the next jobs. A handler that throws is retried
// by pg-boss, and after its retries the job goes to the dead-letter queue.
import type { Job, PgBoss } from 'pg-boss';
import type { Config } from '../config/config.ts';
import { KigenError } from '../config/errors.ts';
import type { Db } from '../db/database.ts';
import { createQueuedRunStore } from '../db/lease-queries.ts';
import { pruneData } from '../db/retention.ts';
import { createPlanReader } from '../db/run-store.ts';
import { calendarDateIn } from '../domain/calendar-date.ts';
import type { ChannelName } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import { type SenderLimits, sendLeasedBatch } from '../run/leased-send.ts';
import type { DataScope } from '../run/ports.ts';
import {
  planQueuedChunk,
  type Routed,
  type SenderCapacity,
  startQueuedRun,
  watchQueuedRun,
} from '../run/queued-run.ts';
import type { RunMetrics } from '../run/run-metrics.ts';
import type { SenderChannels } from '../sender-channels.ts';
import { jobId, outstandingJobs, QUEUES } from './kigen-queue.ts';

export interface RunJobData {
  scope: DataScope;
  /** Absent for a scheduled job: the date of the schedule's latest occurrence is used. */
  runDate?: string;
  force?: boolean;
  scheduled?: boolean;
}
interface PlanJobData {
  runId: string;
  runDate: string;
  scope: DataScope;
  attempt: number;
  chunkNo: number;
  afterId: string | null;
  lastId: string;
}
interface SendJobData {
  runId: string;
  runDate: string;
  attempt: number;
  channel: ChannelName;
  sender: string | null;
  ids: string[];
}
interface WatchJobData {
  runId: string;
  runDate: string;
  scope: DataScope;
  attempt: number;
  /** The run job's id: every id derived for this run's jobs starts from it. */
  origin: string;
  /** Live offices when the run started, for the summary. */
  offices: number;
  pass: number;
  requeues: number;
  startedAt: number;
  /** Started by the schedule: retention (kigen prune) is applied once the run has finished. */
  scheduled?: boolean;
}

export interface WorkerContext {
  boss: PgBoss;
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  channels: SenderChannels;
  /** Aborted when the worker stops: send jobs finish what is in flight and hand the rest back. */
  stop: AbortSignal;
  /** Where send jobs report deliveries and attempts (the /metrics listener). Default: nowhere. */
  metrics?: RunMetrics;
}

/**
 * A send job of a sender without a rate carries four rounds of a job's concurrency (50…500 deliveries):
 * short enough that a run's emails spread over every worker (P8: 9,000 emails make 90 jobs at
 * concurrency 25, not 18), long enough that the job's fixed statements stay a few per hundred emails.
 */
export function unlimitedBatchSize(concurrency: number): number {
  return Math.max(50, Math.min(500, 4 * concurrency));
}

export function senderCapacities(config: Readonly<Config>): SenderCapacity[] {
  return config.senders.map((s, i) => ({
    name: s.name,
    ratePerSecond: s.ratePerSecond,
    dailyQuota: s.dailyQuota,
    includeUnnamed: i === 0,
    unlimitedBatchSize: unlimitedBatchSize(config.delivery.concurrency),
  }));
}

/**
 * The date (in `timeZone`) of the latest occurrence of `cron` at or before `now`: looked for in the
 * last hour, then day, week and month, so a frequent and a daily cron both take a page or two.
 */
export function latestOccurrenceDate(
  boss: PgBoss,
  cron: string,
  timeZone: string,
  now = new Date(),
): string | null {
  // Small pages: pg-boss gives a preview one second of CPU, which a loaded machine can run out of.
  for (const hours of [1, 25, 8 * 24, 32 * 24]) {
    let from = new Date(now.getTime() - hours * 3600_000);
    let latest: Date | null = null;
    for (let page = 0; page < 200; page++) {
      const next = boss.previewSchedule(cron, { tz: timeZone, from, count: 10 });
      for (const d of next) if (d.getTime() <= now.getTime()) latest = d;
      const last = next.at(-1);
      if (!last || last.getTime() > now.getTime() || next.length < 10) break;
      from = last;
    }
    if (latest) return calendarDateIn(latest, timeZone);
  }
  return null;
}

/** What one worker process did, for its exit summary (and the benchmark's statements per job). */
export interface WorkerTally {
  /** Jobs that ended (completed or failed), by queue. */
  jobs: Record<'run' | 'plan' | 'sendEmail' | 'sendPush' | 'watch', number>;
  /** Jobs whose handler threw (pg-boss retries them). */
  failedJobs: number;
  sent: { email: number; push: number };
  failed: { email: number; push: number };
}

/** Registers the handlers of every queue; resolves once they are polling, with the tally it keeps. */
export async function startWorker(ctx: WorkerContext): Promise<WorkerTally> {
  const { boss, config, db, logger } = ctx;
  const store = createQueuedRunStore(db);
  // As the in-process schedule does: retention (kigen prune) after the day's scheduled run, or after the
  // day was skipped (weekend, holiday); pruning never touches a run that is still running.
  const applyRetention = async (runDate: string) => {
    const pruned = await pruneData(db, config.retention);
    logger.info({ runDate, pruned }, 'retention applied');
  };
  const senders = senderCapacities(config);
  const tally: WorkerTally = {
    jobs: { run: 0, plan: 0, sendEmail: 0, sendPush: 0, watch: 0 },
    failedJobs: 0,
    sent: { email: 0, push: 0 },
    failed: { email: 0, push: 0 },
  };
  const counted =
    <T, R>(queue: keyof WorkerTally['jobs'], handler: (jobs: Job<T>[]) => Promise<R>) =>
    async (jobs: Job<T>[]): Promise<R> => {
      try {
        return await handler(jobs);
      } catch (error) {
        tally.failedJobs += 1;
        throw error;
      } finally {
        tally.jobs[queue] += 1;
      }
    };
  const concurrency = config.worker.concurrency;
  const poll = { batchSize: 1, pollingIntervalSeconds: 1 } as const;
  const pushEnabled = Boolean(ctx.channels.push);

  // A rate-limited sender gets one active job cluster-wide (its token bucket is then exact). A sender
  // without a rate needs no such order: each job gets its own key, so every worker sends at once;
  // its daily quota still holds, as the claim counts it under an advisory lock.
  const singletonKeyFor = (sender: string | null, jobKey: string) => {
    const name = sender ?? 'default';
    const rate = senders.find((s) => s.name === name)?.ratePerSecond ?? 0;
    return rate > 0 ? name : `${name}:${jobKey}`;
  };
  const enqueueSends = async (
    routed: Routed,
    base: { runId: string; runDate: string; attempt: number },
    key: string,
  ) => {
    const email = routed.batches.filter((b) => b.channel === 'email');
    if (email.length > 0)
      await boss.insert(
        QUEUES.sendEmail,
        email.map((b, i) => ({
          id: jobId(`send:${key}:email:${b.sender}:${i}`),
          data: { ...base, channel: 'email', sender: b.sender, ids: b.ids } satisfies SendJobData,
          singletonKey: singletonKeyFor(b.sender, `${key}:${i}`),
        })),
      );
    const push = routed.batches.filter((b) => b.channel === 'push');
    if (push.length > 0)
      await boss.insert(
        QUEUES.sendPush,
        push.map((b, i) => ({
          id: jobId(`send:${key}:push:${i}`),
          data: { ...base, channel: 'push', sender: null, ids: b.ids } satisfies SendJobData,
        })),
      );
  };

  await boss.work<RunJobData>(
    QUEUES.run,
    { ...poll, localConcurrency: 1 },
    counted<RunJobData, unknown>('run', async ([job]) => {
      const data = (job as Job<RunJobData>).data;
      const runDate =
        data.runDate ?? latestOccurrenceDate(boss, config.scheduleCron, config.timeZone) ?? undefined;
      if (!runDate) return { result: 'no occurrence of the schedule yet' };
      const started = await startQueuedRun(
        {
          store,
          logger,
          hasOutstandingJobs: async (runId) => (await outstandingJobs(boss, runId)).jobs > 0,
        },
        {
          runDate,
          scope: data.scope,
          force: Boolean(data.force),
          scheduled: Boolean(data.scheduled),
          closures: config.closures,
          chunkSize: config.chunkSize,
          owner: 'kigen worker',
        },
      );
      if (started.kind === 'skipped' && data.scheduled) await applyRetention(runDate);
      if (started.kind !== 'started') return { result: started.kind };
      const { run, attempt, chunks, offices } = started;
      const base = { runId: run.id, runDate, scope: data.scope, attempt };
      // Ids derive from this job's id: its retry adds nothing new, while a later request is a new job
      // (run ids alone could repeat after the tables are emptied).
      const origin = (job as Job<RunJobData>).id;
      if (chunks.length > 0)
        await boss.insert(
          QUEUES.plan,
          chunks.map((c) => ({
            id: jobId(`plan:${origin}:${c.chunkNo}`),
            data: { ...base, ...c } satisfies PlanJobData,
          })),
        );
      await boss.insert(QUEUES.watch, [
        {
          id: jobId(`watch:${origin}:0`),
          data: {
            ...base,
            origin,
            offices,
            pass: 0,
            requeues: 0,
            startedAt: Date.now(),
            scheduled: Boolean(data.scheduled),
          } satisfies WatchJobData,
          startAfter: 1,
        },
      ]);
      return { result: 'started', runId: run.id, chunks: chunks.length };
    }),
  );

  await boss.work<PlanJobData>(
    QUEUES.plan,
    { ...poll, localConcurrency: concurrency },
    counted<PlanJobData, unknown>('plan', async ([job]) => {
      const d = (job as Job<PlanJobData>).data;
      const routed = await planQueuedChunk({ reader: createPlanReader(db, d.scope), store, logger }, d, {
        chunkSize: config.chunkSize,
        grouping: config.emailGrouping,
        push: pushEnabled,
        senders,
      });
      await enqueueSends(routed, d, (job as Job<PlanJobData>).id);
      return { planned: routed.planned, unassigned: routed.unassigned };
    }),
  );

  const sendHandler = async ([job]: Job<SendJobData>[]) => {
    const j = job as Job<SendJobData>;
    if (ctx.stop.aborted) throw new KigenError('WORKER_STOPPING', 'worker stopping: job handed back');
    const d = j.data;
    const sender = d.sender ? senders.find((s) => s.name === d.sender) : undefined;
    if (d.channel === 'email' && !sender)
      throw new KigenError(
        'UNKNOWN_SENDER',
        `sender account "${d.sender}" is not in this worker's KIGEN_SENDERS`,
      );
    const email = ctx.channels.email.get(sender?.name ?? '') ?? [...ctx.channels.email.values()][0];
    if (!email) throw new KigenError('NO_SENDER', 'no email sender configured');
    const limits: SenderLimits | null = sender ?? null;
    const result = await sendLeasedBatch(
      {
        runDate: d.runDate,
        channel: d.channel,
        ids: d.ids,
        owner: `${j.id}:${j.retryCount}`,
        sender: limits,
        signal: AbortSignal.any([j.signal, ctx.stop]),
      },
      {
        store: store.leases,
        channels: { email, push: ctx.channels.push },
        logger,
        ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
      },
      {
        leaseSeconds: config.worker.leaseSeconds,
        concurrency: config.delivery.concurrency,
        ratePerSecond: config.delivery.ratePerSecond,
        maxAttempts: config.delivery.maxAttempts,
        backoff: { baseMs: config.delivery.retryBaseMs, factor: 2, maxMs: config.delivery.retryMaxMs },
        outcomeFlushMs: config.delivery.outcomeFlushMs,
        sendTimeoutMs: config.delivery.timeoutMs,
      },
    );
    const kind = d.channel === 'email' ? 'email' : 'push';
    tally.sent[kind] += result.sent;
    tally.failed[kind] += result.failed;
    // Stopped with work left: fail the job so that another worker retries it (its rows are free now).
    if (result.handedBack > 0 && (ctx.stop.aborted || j.signal.aborted))
      throw new KigenError('WORKER_STOPPING', `worker stopping: ${result.handedBack} deliveries handed back`);
    return result;
  };
  await boss.work<SendJobData>(
    QUEUES.sendEmail,
    { ...poll, pollingIntervalSeconds: 0.5, localConcurrency: concurrency },
    counted('sendEmail', sendHandler),
  );
  await boss.work<SendJobData>(
    QUEUES.sendPush,
    { ...poll, localConcurrency: concurrency },
    counted('sendPush', sendHandler),
  );

  await boss.work<WatchJobData>(
    QUEUES.watch,
    { ...poll, localConcurrency: 1 },
    counted<WatchJobData, unknown>('watch', async ([job]) => {
      const d = (job as Job<WatchJobData>).data;
      const result = await watchQueuedRun(
        { store, logger, outstanding: () => outstandingJobs(boss, d.runId) },
        { ...d, timeZone: config.timeZone, pushEnabled },
        senders,
      );
      if (result.kind === 'finished') {
        if (d.scheduled) await applyRetention(d.runDate);
        return { status: result.summary.status };
      }
      let requeues = d.requeues;
      if (result.kind === 'requeue') {
        requeues += 1;
        await enqueueSends(result.routed, d, `${d.origin}:requeue${requeues}`);
      }
      await boss.insert(QUEUES.watch, [
        {
          id: jobId(`watch:${d.origin}:${d.pass + 1}`),
          data: { ...d, pass: d.pass + 1, requeues } satisfies WatchJobData,
          startAfter: result.kind === 'requeue' ? 1 : config.worker.watchSeconds,
        },
      ]);
      return { result: result.kind };
    }),
  );
  return tally;
}
