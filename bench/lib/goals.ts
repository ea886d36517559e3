// The goals of bench.md, the medians a scenario's runs give, and each goal's verdict.
import type { PushSinkStats } from '../sinks/push-sink.ts';
import type { SmtpSinkStats } from '../sinks/smtp-sink.ts';
import type { ExitStats } from './child.ts';
import type { DistributedRun } from './distributed.ts';
import type { GoalId, Scenario } from './options.ts';
import { type BaselineSummary, type KigenSummary, median, plannedDeliveries } from './summary.ts';

export const GOALS: Record<GoalId, { what: string; target: string }> = {
  P1: {
    what: 'full run, 100 offices, 100 ms SMTP latency: kigen vs seed-design baseline, same run',
    target: '≥ 10× faster',
  },
  P2: {
    what: 'full run, 500 offices / 5,000 staff, 100 ms latency, rate limit off',
    target: 'within 10% of the transport bound (messages × latency ÷ connections)',
  },
  P3: { what: 'dry-run plan, 500 offices, PGlite (after the database is open)', target: '≤ 1.5 s' },
  P4: {
    what: 'statements for a full 500-office run',
    target: 'reads ≤ 4 per 1,000-office chunk + 5; writes ≤ 2 per 500 deliveries + 5',
  },
  P5: { what: 'RSS growth during a full run', target: '≤ 35 MB at 500 offices; ≤ 60 MB at 50,000 offices' },
  P6: {
    what: 'zero-latency throughput, Postgres, SMTP sink in another process',
    target: '≥ 1,000 emails/s',
  },
  P7: { what: 'dry-run plan, 50,000 offices / 500,000 staff, Postgres', target: '≤ 60 s' },
  P8: {
    what: 'distributed: 1,000 offices (~9,000 emails), 200 ms SMTP latency, 25 connections per worker, 1 / 2 / 4 `kigen worker` processes on one PostgreSQL',
    target:
      'each within 15% of its transport bound (messages × latency ÷ all connections); 0 duplicates; statements per job reported',
  },
  P11: {
    what: 'embedded start-up: `kigen alerts` on the 50-office demo data, PGlite',
    target: 'peak RSS ≤ 300 MB; wall ≤ 2 s',
  },
  P12: {
    what: 'CPU per email: kigen (user + sys) in P2 vs a bare nodemailer pool sending one pre-composed message as often to the same sink, same run',
    target: '≤ 1.5× the bare pool',
  },
};

interface ChildFigures {
  exitCode: number | null;
  /** Spawn to exit, including Node start-up and opening the database. */
  processWallMs: number;
  /** Highest VmRSS the harness saw while sampling the child. */
  sampledPeakRssBytes: number;
  /** CPU time and peak RSS from the child's own getrusage at exit (bench/exit-stats.ts). */
  exitStats?: ExitStats | undefined;
  smtp?: SmtpSinkStats | undefined;
  push?: PushSinkStats | undefined;
}

export interface KigenRun extends ChildFigures {
  summary: KigenSummary;
}
export interface BaselineRun extends ChildFigures {
  summary: BaselineSummary;
}
/** P12's reference run: bench/baselines/bare-pool.ts, right after kigen, same sink. */
export interface BareRun {
  exitCode: number | null;
  processWallMs: number;
  exitStats?: ExitStats | undefined;
  emails: number;
  bytes: number;
  wallMs: number;
}
export interface RunRecord {
  index: number;
  kigen: KigenRun;
  baseline?: BaselineRun | undefined;
  bare?: BareRun | undefined;
  /** P8: one distributed run (N workers); `kigen` is then its follower, `kigen run --via-workers`. */
  distributed?: DistributedRun | undefined;
}

const cpuMs = (s: ExitStats | undefined) => (s ? s.userMs + s.systemMs : undefined);
/** CPU ms per email sent, for kigen and the bare pool of one run. */
function cpuPerEmail(r: RunRecord): { kigen: number; bare: number } | undefined {
  const kigenCpu = cpuMs(r.kigen.exitStats);
  const sent = r.kigen.summary.deliveries.email.sent;
  const bareCpu = cpuMs(r.bare?.exitStats);
  if (kigenCpu === undefined || !sent || bareCpu === undefined || !r.bare?.emails) return undefined;
  return { kigen: kigenCpu / sent, bare: bareCpu / r.bare.emails };
}

/** kigen's own run time: phases.totalMs, or the process's wall time when it did not report one. */
export const kigenTimeMs = (k: KigenRun): number => k.summary.phases.totalMs ?? k.processWallMs;

export function medians(runs: readonly RunRecord[]) {
  const m = (f: (r: RunRecord) => number | undefined) => median(runs.map(f));
  const base = runs.some((r) => r.baseline);
  return {
    kigen: {
      totalMs: m((r) => r.kigen.summary.phases.totalMs),
      planMs: m((r) => r.kigen.summary.phases.planMs),
      deliverMs: m((r) => r.kigen.summary.phases.deliverMs),
      processWallMs: m((r) => r.kigen.processWallMs),
      emailsPlanned: m((r) => r.kigen.summary.deliveries.email.planned),
      emailsSent: m((r) => r.kigen.summary.deliveries.email.sent),
      emailsFailed: m((r) => r.kigen.summary.deliveries.email.failed),
      pushSent: m((r) => r.kigen.summary.deliveries.push.sent),
      deliveriesPlanned: m((r) => plannedDeliveries(r.kigen.summary)),
      reads: m((r) => r.kigen.summary.statements.read),
      writes: m((r) => r.kigen.summary.statements.write),
      rssGrowthBytes: m((r) => r.kigen.summary.memory.rssGrowthBytes),
      rssPeakBytes: m((r) => r.kigen.summary.memory.rssPeakBytes),
      sampledPeakRssBytes: m((r) => r.kigen.sampledPeakRssBytes),
      maxRssBytes: m((r) => r.kigen.exitStats?.maxRssBytes),
      cpuMs: m((r) => cpuMs(r.kigen.exitStats)),
      messagesPerSecond: m((r) => r.kigen.summary.throughput.messagesPerSecond),
      sinkMessages: m((r) => r.kigen.smtp?.messages),
      sinkConnections: m((r) => r.kigen.smtp?.connections),
      sinkPeakConnections: m((r) => r.kigen.smtp?.peakConnections),
      pushSinkRequests: m((r) => r.kigen.push?.requests),
    },
    baseline: base
      ? {
          wallMs: m((r) => r.baseline?.summary.wallMs),
          processWallMs: m((r) => r.baseline?.processWallMs),
          emails: m((r) => r.baseline?.summary.emails),
          pushSent: m((r) => r.baseline?.summary.pushes?.sent),
          reads: m((r) => r.baseline?.summary.statements.read),
          writes: m((r) => r.baseline?.summary.statements.write),
          rssGrowthBytes: m((r) => r.baseline?.summary.rssGrowthBytes),
          sinkMessages: m((r) => r.baseline?.smtp?.messages),
          sinkConnections: m((r) => r.baseline?.smtp?.connections),
        }
      : undefined,
    bare: runs.some((r) => r.bare)
      ? {
          cpuMs: m((r) => cpuMs(r.bare?.exitStats)),
          emails: m((r) => r.bare?.emails),
          wallMs: m((r) => r.bare?.wallMs),
          kigenCpuMsPerEmail: m((r) => cpuPerEmail(r)?.kigen),
          bareCpuMsPerEmail: m((r) => cpuPerEmail(r)?.bare),
          /** Median of the per-run ratios kigen CPU per email ÷ bare pool CPU per email. */
          cpuRatio: m((r) => {
            const c = cpuPerEmail(r);
            return c ? c.kigen / c.bare : undefined;
          }),
        }
      : undefined,
    /** Median of the per-run ratios baseline wall ÷ kigen run time (both after the database is open). */
    ratio: base
      ? m((r) => (r.baseline ? r.baseline.summary.wallMs / kigenTimeMs(r.kigen) : undefined))
      : undefined,
    /** The same with whole-process wall times (Node start-up and database open included on both sides). */
    processRatio: base
      ? m((r) => (r.baseline ? r.baseline.processWallMs / r.kigen.processWallMs : undefined))
      : undefined,
  };
}

export type Medians = ReturnType<typeof medians>;

export interface GoalResult {
  id: GoalId;
  what: string;
  target: string;
  /** The measured figure, as shown in BENCHMARKS.md. */
  result: string;
  /** null when the figure could not be measured (a field missing from kigen's summary). */
  pass: boolean | null;
  detail: Record<string, unknown>;
}

const MB = 1024 * 1024;
const sec = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export function evaluate(id: GoalId, s: Scenario, md: Medians, runs: readonly RunRecord[]): GoalResult {
  const { what, target } = GOALS[id];
  const out = (result: string, pass: boolean | null, detail: Record<string, unknown>): GoalResult => ({
    id,
    what,
    target,
    result,
    pass,
    detail,
  });
  const k = md.kigen;
  switch (id) {
    case 'P1': {
      const kigenMs = median(runs.map((r) => kigenTimeMs(r.kigen)));
      const ratio = md.ratio;
      if (ratio === undefined || kigenMs === undefined || !md.baseline) {
        return out('no baseline in this run', null, {});
      }
      return out(
        `${ratio.toFixed(1)}× (kigen ${sec(kigenMs)}, ${k.emailsSent ?? '?'} emails; seed design ${sec(md.baseline.wallMs ?? 0)}, ${md.baseline.emails} emails)`,
        ratio >= 10,
        { ratio, processRatio: md.processRatio, kigenMs, baselineMs: md.baseline.wallMs },
      );
    }
    case 'P2': {
      const messages = k.emailsSent ?? k.sinkMessages;
      if (messages === undefined || k.deliverMs === undefined) {
        return out('phases.deliverMs or email counts missing', null, { messages, deliverMs: k.deliverMs });
      }
      const boundMs = (messages * s.smtpLatencyMs) / s.pool;
      const over = k.deliverMs / boundMs;
      return out(
        `deliver ${sec(k.deliverMs)} vs bound ${sec(boundMs)} (${messages} × ${s.smtpLatencyMs} ms ÷ ${s.pool}) = ${(over * 100).toFixed(0)}%`,
        over <= 1.1,
        { messages, boundMs, deliverMs: k.deliverMs, ratioToBound: over, push: s.push },
      );
    }
    case 'P3':
    case 'P7': {
      const limitMs = id === 'P3' ? 1500 : 60_000;
      if (k.planMs === undefined) return out('phases.planMs missing', null, {});
      return out(`plan ${sec(k.planMs)} (${s.offices} offices, ${s.db})`, k.planMs <= limitMs, {
        planMs: k.planMs,
        limitMs,
      });
    }
    case 'P4': {
      const chunk = s.chunkSize ?? 1000;
      const chunks = Math.max(1, Math.ceil(s.offices / chunk));
      const deliveries = k.deliveriesPlanned;
      if (k.reads === undefined || k.writes === undefined || deliveries === undefined) {
        return out('statement or delivery counts missing', null, {
          reads: k.reads,
          writes: k.writes,
          deliveries,
        });
      }
      const readBudget = 4 * chunks + 5;
      const writeBudget = 2 * Math.ceil(deliveries / 500) + 5;
      return out(
        `reads ${k.reads} / ${readBudget}, writes ${k.writes} / ${writeBudget} (${deliveries} deliveries, ${chunks} chunk${chunks > 1 ? 's' : ''})`,
        k.reads <= readBudget && k.writes <= writeBudget,
        { reads: k.reads, writes: k.writes, readBudget, writeBudget, deliveries, chunks },
      );
    }
    case 'P5': {
      const limitBytes = (s.offices <= 500 ? 35 : 60) * MB;
      if (k.rssGrowthBytes === undefined) return out('memory.rssGrowthBytes missing', null, {});
      return out(
        `${(k.rssGrowthBytes / MB).toFixed(1)} MB growth at ${s.offices} offices (limit ${limitBytes / MB} MB)`,
        k.rssGrowthBytes <= limitBytes,
        { rssGrowthBytes: k.rssGrowthBytes, rssPeakBytes: k.rssPeakBytes, limitBytes },
      );
    }
    case 'P6': {
      const messages = k.emailsSent ?? k.sinkMessages;
      if (messages === undefined || k.deliverMs === undefined || k.deliverMs <= 0) {
        return out('email counts or phases.deliverMs missing', null, {});
      }
      const perSecond = messages / (k.deliverMs / 1000);
      return out(
        `${Math.round(perSecond)} emails/s (${messages} in ${sec(k.deliverMs)}, ${s.pool} connections)`,
        perSecond >= 1000,
        { emailsPerSecond: perSecond, messages, deliverMs: k.deliverMs, reported: k.messagesPerSecond },
      );
    }
    case 'P8': {
      const byWorkers = new Map<number, DistributedRun[]>();
      for (const r of runs)
        if (r.distributed)
          byWorkers.set(r.distributed.workers, [
            ...(byWorkers.get(r.distributed.workers) ?? []),
            r.distributed,
          ]);
      if (byWorkers.size === 0) return out('no distributed runs', null, {});
      const rows = [...byWorkers.entries()]
        .sort(([a], [b]) => a - b)
        .map(([workers, xs]) => ({
          workers,
          runs: xs.length,
          messages: median(xs.map((x) => x.messages)),
          deliverMs: median(xs.map((x) => x.deliverMs)),
          boundMs: median(xs.map((x) => x.boundMs)),
          ratioToBound: median(xs.map((x) => x.ratioToBound)),
          duplicates: Math.max(...xs.map((x) => x.smtp.duplicates)),
          statementsPerJob: median(xs.map((x) => x.statementsPerJob)),
          transactionsPerEmail: median(
            xs.map((x) =>
              x.transactions !== undefined && x.messages > 0 ? x.transactions / x.messages : undefined,
            ),
          ),
          cpuMsPerEmail: median(xs.map((x) => x.cpuMsPerEmail)),
          workerCpuMsPerEmail: xs.at(-1)?.workerRuns.map((w) => w.cpuMsPerEmail),
          followerWallMs: median(xs.map((x) => x.follower.processWallMs)),
        }));
      const pass =
        rows.every((r) => r.ratioToBound !== undefined && r.ratioToBound <= 1.15) &&
        rows.every((r) => r.duplicates === 0) &&
        rows.every((r) => r.statementsPerJob !== undefined);
      const text = rows
        .map(
          (r) =>
            `${r.workers}w: ${sec(r.deliverMs ?? 0)} vs ${sec(r.boundMs ?? 0)} = ${((r.ratioToBound ?? 0) * 100).toFixed(0)}%, ${r.duplicates} dup, ${r.statementsPerJob?.toFixed(1) ?? '?'} stmt/job, ${r.cpuMsPerEmail?.toFixed(2) ?? '?'} ms CPU/email`,
        )
        .join('; ');
      return out(`${text} (${rows[0]?.messages ?? '?'} emails, ${s.pool} conn/worker)`, pass, { rows });
    }
    case 'P11': {
      if (k.maxRssBytes === undefined || k.processWallMs === undefined) {
        return out('peak RSS (bench/exit-stats.ts) or wall time missing', null, {});
      }
      // getrusage's peak misses memory given back with madvise (WASM and V8 pages): PGlite's start-up
      // was sampled at 683 MB while ru_maxrss said 395 MB. The higher of the two is the peak.
      const peak = Math.max(k.maxRssBytes, k.sampledPeakRssBytes ?? 0);
      return out(
        `peak RSS ${(peak / MB).toFixed(0)} MB, wall ${sec(k.processWallMs)} (${s.offices} offices, ${s.db})`,
        peak <= 300 * MB && k.processWallMs <= 2000,
        {
          peakRssBytes: peak,
          maxRssBytes: k.maxRssBytes,
          sampledPeakRssBytes: k.sampledPeakRssBytes,
          processWallMs: k.processWallMs,
        },
      );
    }
    case 'P12': {
      const b = md.bare;
      if (!b || b.cpuRatio === undefined) return out('no bare-pool run or CPU figures in this run', null, {});
      return out(
        `${b.cpuRatio.toFixed(2)}× (kigen ${b.kigenCpuMsPerEmail?.toFixed(3)} ms CPU per email, bare pool ${b.bareCpuMsPerEmail?.toFixed(3)} ms; ${k.emailsSent ?? '?'} emails)`,
        b.cpuRatio <= 1.5,
        { ...b, kigenCpuMs: k.cpuMs },
      );
    }
  }
}
