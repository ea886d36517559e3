// The live metrics of a long-lived kigen process (schedule, serve, worker): one Prometheus Registry per
// app, the run's counters through the RunMetrics port, and gauges read from the database at scrape time.
// No label carries a staff member, an office or a date: the series stay few whatever the data set.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from '@prometheus-io/client';
import type { LastRunRow } from '../db/metrics-queries.ts';
import { CHANNELS } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import { DELIVERY_METRIC_STATUSES, type RunMetrics, SEND_RESULTS } from '../run/run-metrics.ts';

/** What the scrape reads from the database; each call is one statement. */
export interface MetricsSource {
  lastCompletedRuns(): Promise<LastRunRow[]>;
  emailsSentLast24h(): Promise<number>;
}

export interface KigenMetricsOptions {
  /**
   * The database reader for the scrape-time gauges, or null while no database is open (then the values
   * read last are served). Called at every scrape.
   */
  source: () => MetricsSource | null;
  /** The sender's daily email quota (KIGEN_DAILY_QUOTA); 0 = none, and no quota gauge is exported. */
  dailyQuota: number;
  /**
   * The job queue of the distributed mode (kigen worker, the queued schedule), read at each scrape.
   * Default none: no queue gauges are exported.
   */
  queue?: () => Promise<QueueGaugeValues>;
  /** Process and Node.js metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  logger?: Logger;
}

/** What the queue gauges show (queue/kigen-queue.ts queueStatus gives it). */
export interface QueueGaugeValues {
  queues: ReadonlyArray<{ name: string; ready: number; deferred: number; active: number; failed: number }>;
  /** Dead-lettered jobs waiting for an operator. */
  dead: number;
  workers: ReadonlyArray<unknown>;
}

/** The job states of kigen_queue_jobs. */
export const QUEUE_JOB_STATES = ['ready', 'deferred', 'active', 'failed'] as const;

export interface KigenMetrics {
  readonly registry: Registry;
  /** The port the daily run reports to. */
  readonly run: RunMetrics;
  /** The Content-Type of render()'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** Reads the database gauges now, e.g. before the database is closed, so later scrapes serve them. */
  refresh(): Promise<void>;
}

/** Send latency buckets, 50 ms to 30 s (the default send timeout). */
export const SEND_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export function createKigenMetrics(options: KigenMetricsOptions): KigenMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const deliveries = new Counter({
    name: 'kigen_deliveries_total',
    help: 'Deliveries ended by this process, by channel and how they ended (deferred = left pending)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'kigen_send_attempts_total',
    help: 'Send attempts by channel and result (gone = push subscription expired)',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
  });
  const sendDuration = new Histogram({
    name: 'kigen_send_duration_seconds',
    help: 'Time of one channel send (SMTP or push request), by channel and result',
    labelNames: ['channel', 'result'] as const,
    buckets: [...SEND_DURATION_BUCKETS],
    registers: [registry],
  });
  const rateLimitWait = new Counter({
    name: 'kigen_rate_limit_wait_seconds_total',
    help: 'Time sends waited for the per-sender rate limit (KIGEN_SEND_RATE), by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  // Every series exists from the start, so rate() and alerts see 0 rather than nothing.
  for (const channel of CHANNELS) {
    for (const status of DELIVERY_METRIC_STATUSES) deliveries.inc({ channel, status }, 0);
    for (const result of SEND_RESULTS) attempts.inc({ channel, result }, 0);
    rateLimitWait.inc({ channel }, 0);
  }

  // Scrape-time gauges. When no database is open the last values read are kept.
  let lastSent: number | null = null;
  const readSent = async () => {
    lastSent = (await read('the emails sent in 24 h', (s) => s.emailsSentLast24h())) ?? lastSent;
  };
  const read = async <T>(what: string, fn: (s: MetricsSource) => Promise<T>): Promise<T | undefined> => {
    const source = options.source();
    if (!source) return undefined;
    try {
      return await fn(source);
    } catch (error) {
      options.logger?.warn({ err: error }, `metrics: could not read ${what}; serving the last value`);
      return undefined;
    }
  };
  // The registry collects every metric at once: both run gauges share one read of the runs table.
  const readRuns = sharedRead<LastRunRow[]>([], () => read('the runs table', (s) => s.lastCompletedRuns()));
  new Gauge({
    name: 'kigen_run_last_success_timestamp_seconds',
    help: 'When the last completed run of a data scope finished (from the runs table)',
    labelNames: ['scope'] as const,
    registers: [registry],
    async collect() {
      const rows = await readRuns();
      this.reset();
      for (const r of rows) this.set({ scope: r.scope }, r.finishedAtSeconds);
    },
  });
  new Gauge({
    name: 'kigen_run_last_duration_seconds',
    help: 'How long the last completed run of a data scope took (from the runs table)',
    labelNames: ['scope'] as const,
    registers: [registry],
    async collect() {
      const rows = await readRuns();
      this.reset();
      for (const r of rows) this.set({ scope: r.scope }, r.durationSeconds);
    },
  });
  if (options.dailyQuota > 0) {
    const quota = options.dailyQuota;
    new Gauge({
      name: 'kigen_email_quota_remaining',
      help: 'Emails the sender account may still send under KIGEN_DAILY_QUOTA in the last 24 hours',
      registers: [registry],
      async collect() {
        await readSent();
        this.set(Math.max(0, quota - (lastSent ?? 0)));
      },
    });
  }

  if (options.queue) {
    const readQueue = options.queue;
    // The three gauges share one read of the queue per scrape.
    const readQueueOnce = sharedRead<QueueGaugeValues | undefined>(undefined, () =>
      readQueue().catch((error: unknown) => {
        options.logger?.warn({ err: error }, 'metrics: could not read the job queue; serving the last value');
        return undefined;
      }),
    );
    new Gauge({
      name: 'kigen_queue_jobs',
      help: 'Jobs of the distributed mode by queue and state (ready, deferred = waiting for a start time or retry, active, failed)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        const v = await readQueueOnce();
        if (!v) return;
        for (const q of v.queues)
          for (const state of QUEUE_JOB_STATES) this.set({ queue: q.name, state }, q[state]);
      },
    });
    new Gauge({
      name: 'kigen_queue_dead_letters',
      help: 'Dead-lettered jobs waiting for an operator (kigen queue redrive)',
      registers: [registry],
      async collect() {
        const v = await readQueueOnce();
        if (v) this.set(v.dead);
      },
    });
    new Gauge({
      name: 'kigen_queue_workers',
      help: 'kigen processes working the job queue now (kigen worker, the queued kigen schedule)',
      registers: [registry],
      async collect() {
        const v = await readQueueOnce();
        if (v) this.set(v.workers.length);
      },
    });
  }

  const run: RunMetrics = {
    delivery(channel, status) {
      deliveries.inc({ channel, status });
    },
    attempt(channel, result, seconds) {
      attempts.inc({ channel, result });
      sendDuration.observe({ channel, result }, seconds);
    },
    rateLimitWait(channel, seconds) {
      rateLimitWait.inc({ channel }, seconds);
    },
  };
  return {
    registry,
    run,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    async refresh() {
      await Promise.all([readRuns(), options.dailyQuota > 0 ? readSent() : undefined]);
    },
  };
}

/**
 * One read shared by the gauges a scrape collects at once (the registry asks them together): callers
 * while a read is in flight get its result; a read that gives nothing (failed, or no database open)
 * leaves the last value in place.
 */
function sharedRead<T>(initial: T, fetch: () => Promise<T | undefined>): () => Promise<T> {
  let last = initial;
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= fetch().then((value) => {
      inFlight = null;
      if (value !== undefined) last = value;
      return last;
    });
    return inFlight;
  };
}
