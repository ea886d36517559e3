// P8: the distributed mode. N `kigen worker` processes on one PostgreSQL, each with its own SMTP pool;
// `kigen run --via-workers` hands the date over and follows it. What is measured comes from outside
// kigen where it can: deliver time and duplicates at the SMTP sink, CPU from each worker's getrusage
// at exit (bench/exit-stats.ts), transactions from pg_stat_database; statements per job from the
// workers' own exit summaries (`kigen worker --json`).
import type { ChildProcess } from 'node:child_process';
import { KIGEN_NODE_FLAGS } from '../../src/cli/node-flags.ts';
import type { SmtpSinkStats } from '../sinks/smtp-sink.ts';
import {
  type ChildResult,
  describeFailure,
  EXIT_STATS_ARGS,
  type ExitStats,
  runNode,
  type SinkHandle,
  spawnNode,
} from './child.ts';
import { KIGEN_CLI, psql } from './dataset.ts';
import { jsonObjectsIn, type KigenSummary, parseKigenSummary } from './summary.ts';

/** What `kigen worker --json` prints when it stops (src/cli/commands/worker-commands.ts). */
export interface WorkerExitSummary {
  pid: number;
  jobs: { run: number; plan: number; sendEmail: number; sendPush: number; watch: number; total: number };
  sent: { email: number; push: number };
  statements: { read: number; write: number; ddl: number; other: number };
  statementsPerJob: number;
  cpuMs: number;
  cpuMsPerEmail: number | null;
}

export interface WorkerFigures {
  exitCode: number | null;
  processWallMs: number;
  exitStats: ExitStats | undefined;
  summary: WorkerExitSummary | undefined;
  /** Emails this worker sent ÷ its whole-process CPU (getrusage at exit, start-up included), ms. */
  cpuMsPerEmail: number | undefined;
}

export interface DistributedRun {
  workers: number;
  /** Connections of each worker's pool (SMTP_POOL_SIZE). */
  poolPerWorker: number;
  /** The follower, `kigen run --via-workers --json`. */
  follower: { exitCode: number | null; processWallMs: number };
  summary: KigenSummary;
  workerRuns: WorkerFigures[];
  smtp: SmtpSinkStats;
  /** Messages accepted at the sink. */
  messages: number;
  /** Sink busy time: last accepted − first accepted + one latency (the first message's own wait), ms. */
  deliverMs: number;
  /** messages × latency ÷ (workers × pool), ms. */
  boundMs: number;
  ratioToBound: number;
  /** Transactions committed or rolled back in the run's database during the run (kigen and pg-boss). */
  transactions: number | undefined;
  /** Jobs all workers ended, and kigen's statements over them (pg-boss's own not included). */
  jobs: number;
  statements: number;
  statementsPerJob: number | undefined;
  /** All workers' CPU (getrusage) ÷ emails sent, ms. */
  cpuMsPerEmail: number | undefined;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function transactionsIn(pgAdminUrl: string, db: string): Promise<number | undefined> {
  try {
    const out = await psql(
      pgAdminUrl,
      db,
      `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Number(out);
  } catch {
    return undefined;
  }
}

/** Starts a worker and waits until it polls the queue (its "working the job queue" line). */
async function startWorker(
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; result: Promise<ChildResult> }> {
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  let seen = '';
  const started = spawnNode([...KIGEN_NODE_FLAGS, ...EXIT_STATS_ARGS, KIGEN_CLI, 'worker', '--json'], {
    cwd,
    env,
    timeoutMs,
    onStderr: (s) => {
      seen += s;
      if (seen.includes('working the job queue')) resolveReady();
    },
  });
  const exitedEarly = started.result.then((r) => {
    throw new Error(describeFailure('kigen worker (before it was ready)', r));
  });
  const tooLate = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('kigen worker was not ready within 120 s')), 120_000).unref(),
  );
  await Promise.race([ready, exitedEarly, tooLate]);
  exitedEarly.catch(() => {});
  return started;
}

export async function runDistributedOnce(opts: {
  workers: number;
  poolPerWorker: number;
  latencyMs: number;
  date: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  smtp: SinkHandle<SmtpSinkStats>;
  pgAdminUrl: string;
  database: string;
  timeoutMs: number;
}): Promise<DistributedRun> {
  const before = await transactionsIn(opts.pgAdminUrl, opts.database);
  const workers: Array<{ child: ChildProcess; result: Promise<ChildResult> }> = [];
  try {
    for (let i = 0; i < opts.workers; i++)
      workers.push(await startWorker(opts.env, opts.cwd, opts.timeoutMs + 180_000));
    const r = await runNode(
      [...KIGEN_NODE_FLAGS, KIGEN_CLI, 'run', '--date', opts.date, '--force', '--via-workers', '--json'],
      { cwd: opts.cwd, env: opts.env, timeoutMs: opts.timeoutMs },
    );
    if (r.timedOut || (r.code !== 0 && r.code !== 1))
      throw new Error(describeFailure('kigen run --via-workers', r));
    const summary = parseKigenSummary(r.stdout);
    const smtp = await opts.smtp.stats();
    // SIGTERM: each worker stops polling, finishes, and prints its summary.
    for (const w of workers) w.child.kill('SIGTERM');
    const results = await Promise.all(workers.map((w) => w.result));
    workers.length = 0;
    const workerRuns: WorkerFigures[] = results.map((wr) => {
      if (wr.code !== 0) log(`a worker exited with ${wr.signal ?? wr.code}: ${wr.stderr.trim().slice(-500)}`);
      const json = jsonObjectsIn(wr.stdout).find((x) => 'worker' in x)?.worker as
        | WorkerExitSummary
        | undefined;
      const cpu = wr.exitStats ? wr.exitStats.userMs + wr.exitStats.systemMs : undefined;
      const sent = json?.sent.email;
      return {
        exitCode: wr.code,
        processWallMs: Math.round(wr.wallMs),
        exitStats: wr.exitStats,
        summary: json,
        cpuMsPerEmail: cpu !== undefined && sent ? cpu / sent : undefined,
      };
    });
    // Backends report their counters when they end (or within a second): give them that second.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await transactionsIn(opts.pgAdminUrl, opts.database);
    const messages = smtp.messages;
    const deliverMs = messages > 0 ? smtp.lastMessageAt - smtp.firstMessageAt + opts.latencyMs : 0;
    const boundMs = (messages * opts.latencyMs) / (opts.workers * opts.poolPerWorker);
    const jobs = workerRuns.reduce((n, w) => n + (w.summary?.jobs.total ?? 0), 0);
    const statements = workerRuns.reduce(
      (n, w) => n + (w.summary ? Object.values(w.summary.statements).reduce((a, b) => a + b, 0) : 0),
      0,
    );
    const cpuAll = workerRuns.every((w) => w.exitStats)
      ? workerRuns.reduce((n, w) => n + (w.exitStats ? w.exitStats.userMs + w.exitStats.systemMs : 0), 0)
      : undefined;
    const sentAll = workerRuns.reduce((n, w) => n + (w.summary?.sent.email ?? 0), 0);
    return {
      workers: opts.workers,
      poolPerWorker: opts.poolPerWorker,
      follower: { exitCode: r.code, processWallMs: Math.round(r.wallMs) },
      summary,
      workerRuns,
      smtp,
      messages,
      deliverMs,
      boundMs,
      ratioToBound: boundMs > 0 ? deliverMs / boundMs : Number.NaN,
      transactions: before !== undefined && after !== undefined ? after - before : undefined,
      jobs,
      statements,
      statementsPerJob: jobs > 0 ? statements / jobs : undefined,
      cpuMsPerEmail: cpuAll !== undefined && sentAll > 0 ? cpuAll / sentAll : undefined,
    };
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
  }
}
