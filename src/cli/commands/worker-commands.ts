// kigen worker, kigen queue status|redrive, and the queued variants of run and schedule (PostgreSQL).
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type App, openApp } from '../../app.ts';
import type { Config } from '../../config/config.ts';
import { ConfigError } from '../../config/errors.ts';
import { runRowOf } from '../../db/lease-queries.ts';
import { createMetricsSource } from '../../db/metrics-queries.ts';
import { createRunStore } from '../../db/run-store.ts';
import type { StatementKind } from '../../db/statement-stats.ts';
import { type MetricsListener, startMetricsListener } from '../../http/metrics-listener.ts';
import { createKigenMetrics } from '../../metrics/metrics-registry.ts';
import { jobId, openQueue, type PgBoss, QUEUES, queueStatus, redriveDead } from '../../queue/kigen-queue.ts';
import { latestOccurrenceDate, type RunJobData, startWorker, type WorkerTally } from '../../queue/worker.ts';
import { followQueuedRun } from '../../run/follow-run.ts';
import { systemClock } from '../../run/limits.ts';
import type { RunSummary } from '../../run/summary.ts';
import { createSenderChannels } from '../../sender-channels.ts';
import { addGlobalFlags, configFrom, printJson, withApp } from '../context.ts';
import type { RunFlags } from './run-command.ts';
import { shutdownSignal } from './run-command.ts';

/** The distributed mode shares one PostgreSQL; the embedded database serves a single process. */
export function requirePostgres(config: Readonly<Config>, what: string): string {
  if (config.database.kind !== 'postgres')
    throw new ConfigError([
      `${what} needs PostgreSQL: set DATABASE_URL (or --database-url). The embedded database serves one process; use kigen run there.`,
    ]);
  return config.database.url;
}

/** True when KIGEN_SENDERS lists sender accounts (rather than the one sender of SMTP_URL / MAIL_FROM). */
export function usesSenderList(config: Readonly<Config>): boolean {
  const only = config.senders[0];
  return config.senders.length > 1 || (only !== undefined && only.name !== 'default');
}

function queueOptions(
  config: Readonly<Config>,
  url: string,
  extra: { schedule?: boolean; supervise?: boolean } = {},
) {
  return {
    url,
    heartbeatSeconds: config.worker.heartbeatSeconds,
    monitorSeconds: config.worker.monitorSeconds,
    ...extra,
  };
}

/**
 * Works jobs until SIGINT/SIGTERM, then stops: send jobs finish the messages in flight, record
 * their outcomes and hand the rest back; pg-boss waits up to 30 s for handlers, then fails what is
 * still active so that another worker retries it.
 */
async function workUntilStopped(
  config: Readonly<Config>,
  url: string,
  options: { schedule: boolean; announce: string; json?: boolean },
  beforeWork?: (boss: PgBoss, app: App) => Promise<void>,
): Promise<void> {
  const cpuStart = process.cpuUsage();
  const app = await openApp(config);
  const channels = createSenderChannels(config);
  const stop = new AbortController();
  const shutdown = shutdownSignal((name) => {
    process.stderr.write(`${name}: finishing messages in flight, handing the rest back, then exiting\n`);
    stop.abort();
  });
  let boss: PgBoss | null = null;
  let tally: WorkerTally | null = null;
  let listener: MetricsListener | null = null;
  try {
    const queue = await openQueue(queueOptions(config, url, { schedule: options.schedule }));
    boss = queue;
    await beforeWork?.(queue, app);
    // KIGEN_METRICS_PORT: /metrics with the send counters of this worker and the queue's depth.
    const metrics =
      config.metrics.port === null
        ? null
        : createKigenMetrics({
            source: () => createMetricsSource(app.db),
            dailyQuota: config.delivery.dailyQuota,
            logger: app.logger,
            queue: () => queueStatus(queue),
          });
    if (metrics && config.metrics.port !== null) {
      const { host, port, token } = config.metrics;
      listener = await startMetricsListener({ host, port, token, metrics, logger: app.logger });
      process.stderr.write(`metrics: ${listener.url}\n`);
    }
    tally = await startWorker({
      boss: queue,
      config,
      db: app.db,
      logger: app.logger,
      channels,
      stop: stop.signal,
      ...(metrics ? { metrics: metrics.run } : {}),
    });
    process.stderr.write(
      `${options.announce} (pid ${process.pid}, senders: ${config.senders.map((s) => s.name).join(', ')})\n`,
    );
    await new Promise<void>((resolve) =>
      shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  } finally {
    stop.abort();
    await boss?.stop({ graceful: true, timeout: 30_000 });
    await listener?.close();
    await channels.close();
    const statements = app.db.stats.snapshot();
    await app.close();
    shutdown.dispose();
    if (tally) printWorkerSummary(workerSummary(tally, statements, cpuStart), Boolean(options.json));
  }
}

/** What a worker process did from start to stop: its exit summary. */
export interface WorkerSummary {
  pid: number;
  jobs: WorkerTally['jobs'] & { total: number; failed: number };
  sent: WorkerTally['sent'];
  failed: WorkerTally['failed'];
  /** kigen's own statements (ledger, plan, runs); pg-boss's fetch/complete/heartbeat are not counted. */
  statements: Record<StatementKind, number>;
  /** kigen statements (all kinds) per job that ended. */
  statementsPerJob: number;
  /** CPU time of the process (user + system) from start to stop, ms. */
  cpuMs: number;
  /** CPU ms per email sent by this worker. */
  cpuMsPerEmail: number | null;
  peakRssBytes: number;
}

function workerSummary(
  tally: WorkerTally,
  statements: Record<StatementKind, number>,
  cpuStart: NodeJS.CpuUsage,
): WorkerSummary {
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
  const total = Object.values(tally.jobs).reduce((a, b) => a + b, 0);
  const allStatements = Object.values(statements).reduce((a, b) => a + b, 0);
  return {
    pid: process.pid,
    jobs: { ...tally.jobs, total, failed: tally.failedJobs },
    sent: tally.sent,
    failed: tally.failed,
    statements,
    statementsPerJob: total > 0 ? Math.round((allStatements / total) * 10) / 10 : 0,
    cpuMs,
    cpuMsPerEmail: tally.sent.email > 0 ? Math.round((cpuMs / tally.sent.email) * 1000) / 1000 : null,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

function printWorkerSummary(summary: WorkerSummary, json: boolean): void {
  if (json) {
    printJson({ worker: summary });
    return;
  }
  const j = summary.jobs;
  process.stderr.write(
    `kigen worker (pid ${summary.pid}) stopped: ${j.total} jobs (run ${j.run}, plan ${j.plan}, send email ${j.sendEmail}, send push ${j.sendPush}, watch ${j.watch}; ${j.failed} failed), ` +
      `${summary.sent.email} emails and ${summary.sent.push} pushes sent, ${summary.statementsPerJob} statements per job, ` +
      `CPU ${(summary.cpuMs / 1000).toFixed(1)} s${summary.cpuMsPerEmail !== null ? ` (${summary.cpuMsPerEmail} ms per email)` : ''}\n`,
  );
}

/** `kigen run --via-workers`: enqueue the date and follow it; the summary and exit code are as in-process. */
export async function runViaWorkers(
  config: Readonly<Config>,
  runDate: string,
  flags: RunFlags,
  signal: AbortSignal,
): Promise<RunSummary> {
  const url = requirePostgres(config, 'kigen run --via-workers');
  return withApp(config, async (app) => {
    const boss = await openQueue(queueOptions(config, url, { supervise: false }));
    const store = createRunStore(app.db);
    const bar =
      !flags.json && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'delivering |{bar}| {value}/{total} messages (workers)', stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : null;
    let barStarted = false;
    try {
      return await followQueuedRun(
        {
          runRow: (date, scope) => runRowOf(app.db.k, date, scope),
          tally: (runId) => store.tally(runId),
          enqueue: async () => {
            await boss.send(
              QUEUES.run,
              { scope: config.dataScope, runDate, force: Boolean(flags.force) } satisfies RunJobData,
              { singletonKey: `${runDate}:${config.dataScope}` },
            );
          },
          workers: async () => (await queueStatus(boss)).workers.length,
          sleep: systemClock.sleep,
        },
        { runDate, scope: config.dataScope, timeZone: config.timeZone, pollMs: 500 },
        {
          signal,
          progress: ({ planned, done }) => {
            if (!bar) return;
            if (!barStarted) bar.start(planned, done);
            barStarted = true;
            bar.setTotal(planned);
            bar.update(done);
          },
          waiting: (message) => process.stderr.write(`kigen run: ${message}\n`),
        },
      );
    } finally {
      bar?.stop();
      await boss.stop({ graceful: false, timeout: 1000 });
    }
  });
}

/** `kigen schedule` on PostgreSQL: a pg-boss schedule (fires once across instances) plus a worker. */
export async function scheduleOnQueue(config: Readonly<Config>): Promise<void> {
  const url = requirePostgres(config, 'the queued schedule');
  await workUntilStopped(
    config,
    url,
    {
      schedule: true,
      announce: `kigen schedule: "${config.scheduleCron}" in ${config.timeZone} on the job queue`,
    },
    async (boss, app) => {
      try {
        boss.previewSchedule(config.scheduleCron, { tz: config.timeZone, count: 1 });
      } catch (error) {
        throw new ConfigError([
          `KIGEN_SCHEDULE_CRON: ${(error as Error).message} (e.g. "0 9 * * *" for 09:00 every day)`,
        ]);
      }
      // Only schedule(), never unschedule() then schedule(): two instances booting together would
      // otherwise both fire (timgit/pg-boss#592). The upsert by (name, key) makes N boots one schedule.
      await boss.schedule(
        QUEUES.run,
        config.scheduleCron,
        { scope: config.dataScope, scheduled: true } satisfies RunJobData,
        { tz: config.timeZone, key: config.dataScope, missed: 'once' },
      );
      // Catch-up: the latest occurrence's date, if no run finished it (one job per date, whoever boots).
      const date = latestOccurrenceDate(boss, config.scheduleCron, config.timeZone);
      if (!date) return;
      const row = await runRowOf(app.db.k, date, config.dataScope);
      if (row && (row.status === 'completed' || row.status === 'skipped')) return;
      await boss.insert(QUEUES.run, [
        {
          id: jobId(`catch-up:${config.dataScope}:${date}`),
          data: { scope: config.dataScope, runDate: date, scheduled: true } satisfies RunJobData,
          singletonKey: `${date}:${config.dataScope}`,
        },
      ]);
    },
  );
}

export function registerWorkerCommands(program: Command): void {
  addGlobalFlags(
    program
      .command('worker')
      .description(
        'work the job queue: plan and send runs handed over by kigen run --via-workers or kigen schedule (PostgreSQL)',
      )
      .option('--concurrency <n>', 'messages in flight at once per send job')
      .option('--json', 'on stop, print what this worker did (jobs, emails, statements, CPU) as JSON', false),
  ).action(async (opts) => {
    const config = configFrom(opts, { concurrency: 'KIGEN_SEND_CONCURRENCY' });
    const url = requirePostgres(config, 'kigen worker');
    await workUntilStopped(config, url, {
      schedule: false,
      announce: 'kigen worker: working the job queue',
      json: Boolean(opts.json),
    });
  });

  const queue = program.command('queue').description('the job queue of the distributed mode (PostgreSQL)');
  addGlobalFlags(
    queue
      .command('status')
      .description('jobs per queue (ready, deferred, active, failed), dead letters, and running workers')
      .option('--json', 'print as JSON', false),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const url = requirePostgres(config, 'kigen queue status');
    const boss = await openQueue(queueOptions(config, url, { supervise: false }));
    try {
      const status = await queueStatus(boss);
      if (opts.json) printJson(status);
      else {
        const lines = ['queue                 ready  deferred  active  failed'];
        for (const q of status.queues)
          lines.push(
            `${q.name.padEnd(20)} ${String(q.ready).padStart(6)} ${String(q.deferred).padStart(9)} ${String(q.active).padStart(7)} ${String(q.failed).padStart(7)}`,
          );
        lines.push(
          `dead letters: ${status.dead}${status.dead > 0 ? ' (kigen queue redrive moves them back)' : ''}`,
        );
        lines.push(`workers: ${status.workers.length}${status.workers.map((w) => `\n  ${w.name}`).join('')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    } finally {
      await boss.stop({ graceful: false, timeout: 1000 });
    }
  });
  addGlobalFlags(
    queue.command('redrive').description('move every dead-lettered job back to the queue it failed on'),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const url = requirePostgres(config, 'kigen queue redrive');
    const boss = await openQueue(queueOptions(config, url, { supervise: false }));
    try {
      const moved = await redriveDead(boss);
      process.stdout.write(`${moved} dead-lettered jobs moved back to their queues\n`);
    } finally {
      await boss.stop({ graceful: false, timeout: 1000 });
    }
  });
}
