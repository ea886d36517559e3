// The harness's command line and the goal presets (bench.md, "Goals"). A preset fills in what a
// goal measures; any flag given on the command line wins over the preset.
import { parseArgs } from 'node:util';

export const GOAL_IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P11', 'P12'] as const;
export type GoalId = (typeof GOAL_IDS)[number];

/** One data set, one configuration, K runs; the goals it is evaluated against. */
export interface Scenario {
  goals: GoalId[];
  /** What each run starts: `kigen run` (default), or `kigen alerts` (P11: start-up of a short command). */
  command: 'run' | 'alerts';
  offices: number;
  db: 'pglite' | 'postgres';
  dryRun: boolean;
  baseline: boolean;
  runs: number;
  seed: number;
  date: string;
  smtpLatencyMs: number;
  pushLatencyMs: number;
  push: boolean;
  /** KIGEN_SEND_CONCURRENCY. */
  concurrency: number;
  /** SMTP_POOL_SIZE: the connections of the transport bound. */
  pool: number;
  /** KIGEN_SEND_RATE (sends/s, 0 = off). */
  rate: number;
  /** KIGEN_CHUNK_SIZE; undefined = kigen's default (1000). */
  chunkSize: number | undefined;
  /**
   * Distributed mode (P8): for each count, start that many `kigen worker` processes (each with
   * SMTP_POOL_SIZE connections) and hand the date over with `kigen run --via-workers`. Empty: `kigen run` in one process.
   */
  workers: number[];
  transientShare: number;
  failAddresses: string;
  pushGoneShare: number;
  pushUnavailableShare: number;
}

export interface BenchOptions {
  /** The goal ids asked for, or ['custom'] without --goal. */
  label: string;
  scenarios: Scenario[];
  /** Per-child timeout override, ms. */
  timeoutMs: number | undefined;
  /** Keep databases and data folders afterwards (for poking at them). */
  keep: boolean;
  /** Write bench/results/*.json and BENCHMARKS.md (default true). */
  record: boolean;
  /** Use `kigen snapshot save/restore` for PostgreSQL data sets: auto = from 10,000 offices, without push. */
  snapshots: 'auto' | 'on' | 'off';
  /** NODE_OPTIONS for the kigen child only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
  kigenNodeOptions: string | undefined;
  pgAdminUrl: string;
  argv: string[];
}

const DEFAULTS = {
  runs: 3,
  seed: 42,
  date: '2026-12-01',
  smtpLatencyMs: 100,
  pushLatencyMs: 50,
  concurrency: 50,
  db: 'postgres',
} as const;

/** What each goal runs (bench.md). Flags on the command line override these. */
const PRESETS: Record<GoalId, Partial<Scenario>> = {
  P1: { offices: 100, smtpLatencyMs: 100, baseline: true, dryRun: false },
  P2: { offices: 500, smtpLatencyMs: 100, rate: 0, dryRun: false },
  P3: { offices: 500, db: 'pglite', dryRun: true },
  P4: { offices: 500, smtpLatencyMs: 100, rate: 0, dryRun: false },
  P5: { offices: 500, smtpLatencyMs: 100, rate: 0, dryRun: false },
  P6: { offices: 1000, smtpLatencyMs: 0, db: 'postgres', rate: 0, dryRun: false },
  P7: { offices: 50_000, db: 'postgres', dryRun: true, runs: 1 },
  // The demo's data set (`kigen demo`: 50 offices) on the embedded database.
  P11: { offices: 50, db: 'pglite', command: 'alerts', dryRun: false },
  // 1, 2 and 4 `kigen worker` processes, 25 connections each, no rate limit (~9,000 emails).
  P8: {
    offices: 1000,
    smtpLatencyMs: 200,
    db: 'postgres',
    rate: 0,
    concurrency: 25,
    pool: 25,
    workers: [1, 2, 4],
    dryRun: false,
  },
  // P2's runs, each followed by the bare nodemailer pool (bench/baselines/bare-pool.ts).
  P12: { offices: 500, smtpLatencyMs: 100, rate: 0, dryRun: false },
};

export const USAGE = `usage: npm run bench -- [--goal P1..P8,P11,P12|all] [--offices N] [--smtp-latency-ms L]
         [--db pglite|postgres] [--baseline] [--runs K] [--seed S] [--concurrency C] [--pool P]
         [--workers 1,2,4]
         [--rate R] [--chunk-size N] [--dry-run] [--push] [--push-latency-ms L]
         [--transient-share X] [--fail-addresses a@x,b@y] [--push-gone-share X]
         [--push-unavailable-share X] [--date YYYY-MM-DD] [--timeout-s T] [--keep] [--no-record]
         [--snapshots auto|on|off] [--kigen-node-options="--cpu-prof --cpu-prof-dir=DIR"]
         [--pg-admin-url postgres://postgres@127.0.0.1:5432/test]
See bench/README.md.`;

export class UsageError extends Error {}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name}: expected a whole number ≥ ${min}, got "${v}"`);
  return n;
}

function num(name: string, v: string | undefined, min: number, max = Number.POSITIVE_INFINITY) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= min && n <= max)) {
    throw new UsageError(`--${name}: expected a number in [${min}, ${max}], got "${v}"`);
  }
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      goal: { type: 'string' },
      offices: { type: 'string' },
      'smtp-latency-ms': { type: 'string' },
      'push-latency-ms': { type: 'string' },
      db: { type: 'string' },
      baseline: { type: 'boolean' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      pool: { type: 'string' },
      rate: { type: 'string' },
      'chunk-size': { type: 'string' },
      workers: { type: 'string' },
      'dry-run': { type: 'boolean' },
      push: { type: 'boolean' },
      'transient-share': { type: 'string' },
      'fail-addresses': { type: 'string' },
      'push-gone-share': { type: 'string' },
      'push-unavailable-share': { type: 'string' },
      date: { type: 'string' },
      'timeout-s': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-record': { type: 'boolean', default: false },
      snapshots: { type: 'string', default: 'auto' },
      'kigen-node-options': { type: 'string' },
      'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (v.help) return 'help';
  if (v.db !== undefined && v.db !== 'pglite' && v.db !== 'postgres') {
    throw new UsageError(`--db: expected pglite or postgres, got "${v.db}"`);
  }
  if (v.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v.date)) {
    throw new UsageError(`--date: expected YYYY-MM-DD, got "${v.date}"`);
  }
  const goalArg = v.goal?.toUpperCase();
  let goals: GoalId[] | null = null;
  if (goalArg === 'ALL') goals = [...GOAL_IDS];
  else if (goalArg !== undefined) {
    goals = goalArg.split(',').map((g) => {
      if (!(GOAL_IDS as readonly string[]).includes(g)) {
        throw new UsageError(`--goal: expected one of ${GOAL_IDS.join(', ')} or all, got "${g}"`);
      }
      return g as GoalId;
    });
  }

  // Flags given on the command line: they override every preset.
  const concurrency = int('concurrency', v.concurrency, 1);
  const explicit: Partial<Scenario> = strip({
    offices: int('offices', v.offices, 1),
    smtpLatencyMs: num('smtp-latency-ms', v['smtp-latency-ms'], 0),
    pushLatencyMs: num('push-latency-ms', v['push-latency-ms'], 0),
    db: v.db as Scenario['db'] | undefined,
    baseline: v.baseline,
    runs: int('runs', v.runs, 1),
    seed: int('seed', v.seed, 1),
    concurrency,
    pool: int('pool', v.pool, 1),
    rate: num('rate', v.rate, 0),
    chunkSize: int('chunk-size', v['chunk-size'], 1),
    workers:
      v.workers === undefined
        ? undefined
        : v.workers.split(',').map((x) => int('workers', x.trim(), 1) as number),
    dryRun: v['dry-run'],
    push: v.push,
    transientShare: num('transient-share', v['transient-share'], 0, 1),
    failAddresses: v['fail-addresses'],
    pushGoneShare: num('push-gone-share', v['push-gone-share'], 0, 1),
    pushUnavailableShare: num('push-unavailable-share', v['push-unavailable-share'], 0, 1),
    date: v.date,
  });

  const build = (goal: GoalId | null): Scenario => {
    const merged: Partial<Scenario> = { ...(goal ? PRESETS[goal] : {}), ...explicit };
    const c = merged.concurrency ?? DEFAULTS.concurrency;
    return {
      goals: goal ? [goal] : [],
      command: merged.command ?? 'run',
      offices: merged.offices ?? 100,
      db: merged.db ?? DEFAULTS.db,
      dryRun: merged.dryRun ?? false,
      baseline: (merged.baseline ?? false) && !(merged.dryRun ?? false),
      runs: merged.runs ?? DEFAULTS.runs,
      seed: merged.seed ?? DEFAULTS.seed,
      date: merged.date ?? DEFAULTS.date,
      smtpLatencyMs: merged.smtpLatencyMs ?? DEFAULTS.smtpLatencyMs,
      pushLatencyMs: merged.pushLatencyMs ?? DEFAULTS.pushLatencyMs,
      push: merged.push ?? false,
      concurrency: c,
      pool: merged.pool ?? Math.min(c, 100),
      rate: merged.rate ?? 0,
      chunkSize: merged.chunkSize,
      workers: merged.workers ?? [],
      transientShare: merged.transientShare ?? 0,
      failAddresses: merged.failAddresses ?? '',
      pushGoneShare: merged.pushGoneShare ?? 0,
      pushUnavailableShare: merged.pushUnavailableShare ?? 0,
    };
  };

  // Goals whose settings come out identical share one data set and one set of runs (P2, P4, P5).
  const scenarios: Scenario[] = [];
  for (const goal of goals ?? [null]) {
    const s = build(goal);
    const key = JSON.stringify({ ...s, goals: [] });
    const same = scenarios.find((x) => JSON.stringify({ ...x, goals: [] }) === key);
    if (same && goal) same.goals.push(goal);
    else scenarios.push(s);
  }
  for (const s of scenarios) {
    if (s.workers.length > 0 && (s.db !== 'postgres' || s.dryRun || s.command !== 'run' || s.baseline))
      throw new UsageError(
        '--workers: the distributed mode runs on PostgreSQL, a full run (no --dry-run, no --baseline)',
      );
  }
  const timeoutS = num('timeout-s', v['timeout-s'], 1);
  const snapshots = v.snapshots as string;
  if (snapshots !== 'auto' && snapshots !== 'on' && snapshots !== 'off') {
    throw new UsageError(`--snapshots: expected auto, on or off, got "${snapshots}"`);
  }
  return {
    label: goals ? (goalArg === 'ALL' ? 'all' : goals.join('-')) : 'custom',
    scenarios,
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
    keep: v.keep ?? false,
    record: !(v['no-record'] ?? false),
    snapshots,
    kigenNodeOptions: v['kigen-node-options'],
    pgAdminUrl: v['pg-admin-url'] as string,
    argv,
  };
}

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
