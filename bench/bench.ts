// The benchmark harness: `npm run bench -- [--goal P1..P7|all] …` (see bench/README.md).
//
// For each scenario (one goal, or goals that share settings): start the SMTP sink (and the push
// sink) as their own processes, seed a fresh data set with `kigen seed`, then K times: reset the
// delivery state, run `kigen run --date D --force --json` as a child process and read its JSON
// summary (and, with --baseline, run the seed-design model against the same data, sink and
// latency). Medians over the runs are judged against the goals of docs/bench.md; everything is
// written to bench/results/<timestamp>-<goal>.json and the goal table in BENCHMARKS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { KIGEN_NODE_FLAGS } from '../src/cli/node-flags.ts';
import {
  type ChildResult,
  describeFailure,
  EXIT_STATS_ARGS,
  killAllChildren,
  runNode,
  type SinkHandle,
  startSink,
} from './lib/child.ts';
import {
  cleanEnv,
  cleanupDatasetsSync,
  type Dataset,
  KIGEN_CLI,
  prepareDataset,
  psql,
} from './lib/dataset.ts';
import { runDistributedOnce } from './lib/distributed.ts';
import {
  type BareRun,
  type BaselineRun,
  evaluate,
  type GoalResult,
  type KigenRun,
  kigenTimeMs,
  medians,
  type RunRecord,
} from './lib/goals.ts';
import { type BenchOptions, parseBenchArgs, type Scenario, USAGE } from './lib/options.ts';
import {
  gitCommit,
  machineInfo,
  type TableEntry,
  updateBenchmarksMd,
  writeResultFile,
} from './lib/report.ts';
import {
  createJsonValueDropper,
  parseBaselineSummary,
  parseKigenSummary,
  plannedDeliveries,
} from './lib/summary.ts';
import type { PushSinkStats } from './sinks/push-sink.ts';
import type { SmtpSinkStats } from './sinks/smtp-sink.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BASELINE = 'bench/baselines/seed-design.ts';
const BARE_POOL = 'bench/baselines/bare-pool.ts';
const MAIL_FROM = 'kigen bench <kigen@example.jp>';
const tempDirs = new Set<string>();

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const secs = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);

interface ScenarioResult {
  settings: Scenario;
  dataset: { kind: string; where: string; source: string; seedMs: number };
  runs: RunRecord[];
  medians: ReturnType<typeof medians>;
  goals: GoalResult[];
  warnings: string[];
}

async function kigenHasRunCommand(): Promise<boolean> {
  const r = await runNode([KIGEN_CLI, '--help'], { cwd: ROOT, env: cleanEnv({}), timeoutMs: 60_000 });
  return /^\s+run\b/m.test(r.stdout);
}

function timeouts(s: Scenario, override: number | undefined) {
  const perMessage = (latency: number, slots: number) => (s.offices * 10 * latency) / slots;
  return {
    seed: override ?? 120_000 + 20 * s.offices,
    // Full run: three times the transport bound, plus 20 ms of CPU per message (a loaded machine).
    kigen:
      override ??
      (s.dryRun
        ? 120_000 + 10 * s.offices
        : 120_000 + 3 * perMessage(s.smtpLatencyMs + 20, s.pool) + perMessage(20, 1)),
    baseline: override ?? 120_000 + 2 * perMessage(s.smtpLatencyMs + 300, 5),
  };
}

/** A summary with no figures, for a command that prints none (P11's `kigen alerts`). */
function emptySummary(): KigenRun['summary'] {
  return {
    deliveries: { email: {}, push: {} },
    statements: {},
    phases: {},
    memory: {},
    throughput: {},
    raw: {},
  };
}

/** P12: the bare nodemailer pool sends as many messages as kigen did, of kigen's average size, to the same sink. */
async function runBarePool(
  kigen: KigenRun,
  smtpUrl: string,
  s: Scenario,
  timeoutMs: number,
): Promise<BareRun | undefined> {
  const count = kigen.summary.deliveries.email.sent ?? kigen.smtp?.messages;
  if (!count) return undefined;
  const bytes = kigen.smtp?.messages ? Math.round(kigen.smtp.bytes / kigen.smtp.messages) : 24_000;
  const r = await runNode(
    [
      ...EXIT_STATS_ARGS,
      BARE_POOL,
      '--smtp-url',
      smtpUrl,
      '--count',
      String(count),
      '--pool',
      String(s.pool),
      '--bytes',
      String(bytes),
    ],
    { cwd: ROOT, env: cleanEnv({}), timeoutMs },
  );
  if (r.timedOut || r.code !== 0) throw new Error(describeFailure('bare nodemailer pool', r));
  const out = JSON.parse(r.stdout) as { wallMs: number; emails: number; bytes: number };
  return {
    exitCode: r.code,
    processWallMs: Math.round(r.wallMs),
    exitStats: r.exitStats,
    emails: out.emails,
    bytes: out.bytes,
    wallMs: out.wallMs,
  };
}

async function runScenario(s: Scenario, opts: BenchOptions): Promise<ScenarioResult> {
  const name = s.goals.length > 0 ? s.goals.join('+') : 'custom';
  log(
    `${name}: ${s.offices} offices on ${s.db}, ${s.command === 'alerts' ? 'kigen alerts' : s.dryRun ? 'dry-run' : `SMTP latency ${s.smtpLatencyMs} ms, concurrency ${s.concurrency}, pool ${s.pool}${s.push ? `, push (latency ${s.pushLatencyMs} ms)` : ''}`}${s.baseline ? ', with the seed-design baseline' : ''}, ${s.runs} run(s)`,
  );
  const limits = timeouts(s, opts.timeoutMs);
  const warnings: string[] = [];
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-bench-certs-'));
  tempDirs.add(certDir);
  let smtp: SinkHandle<SmtpSinkStats> | undefined;
  let push: SinkHandle<PushSinkStats> | undefined;
  let dataset: Dataset | undefined;
  try {
    if (s.command === 'run' && !s.dryRun) {
      smtp = await startSink<SmtpSinkStats>(
        'bench/sinks/smtp-sink.ts',
        [
          '--latency-ms',
          String(s.smtpLatencyMs),
          '--transient-share',
          String(s.transientShare),
          '--seed',
          String(s.seed),
          ...(s.failAddresses ? ['--fail-addresses', s.failAddresses] : []),
        ],
        ROOT,
      );
      if (s.push) {
        push = await startSink<PushSinkStats>(
          'bench/sinks/push-sink.ts',
          [
            '--latency-ms',
            String(s.pushLatencyMs),
            '--gone-share',
            String(s.pushGoneShare),
            '--unavailable-share',
            String(s.pushUnavailableShare),
            '--seed',
            String(s.seed),
            '--cert-dir',
            certDir,
          ],
          ROOT,
        );
      }
    }
    const seedStarted = performance.now();
    dataset = await prepareDataset({
      kind: s.db,
      offices: s.offices,
      seed: s.seed,
      baseDate: s.date,
      pushEndpointBase: push ? `https://127.0.0.1:${push.ready.port}/push/` : undefined,
      cwd: ROOT,
      pgAdminUrl: opts.pgAdminUrl,
      timeoutMs: limits.seed,
      // Seeded push endpoints name this invocation's push sink port: such a data set is never reused.
      useSnapshots:
        s.db === 'postgres' &&
        !s.push &&
        (opts.snapshots === 'on' || (opts.snapshots === 'auto' && s.offices >= 10_000)),
      keep: opts.keep,
    });
    log(
      `${name}: data set ready (${dataset.source}) in ${secs(performance.now() - seedStarted)}: ${dataset.where}`,
    );

    // Push is planned in dry runs (no sink needed: nothing is sent) and sent only with --push.
    const vapid = webpush.generateVAPIDKeys();
    const vapidEnv =
      s.dryRun || s.push
        ? {
            VAPID_PUBLIC_KEY: vapid.publicKey,
            VAPID_PRIVATE_KEY: vapid.privateKey,
            VAPID_SUBJECT: 'mailto:bench@example.jp',
            ...(push?.ready.caPath ? { NODE_EXTRA_CA_CERTS: push.ready.caPath } : {}),
            // The push sink listens on 127.0.0.1, which kigen refuses at connect time unless allowed.
            KIGEN_PUSH_ALLOWED_ADDRESSES: '127.0.0.1',
          }
        : {};
    const smtpUrl = smtp ? `smtp://127.0.0.1:${smtp.ready.port}` : undefined;
    const kigenEnv = cleanEnv({
      ...dataset.env,
      ...vapidEnv,
      MAIL_FROM,
      KIGEN_SEND_CONCURRENCY: String(s.concurrency),
      KIGEN_SEND_RATE: String(s.rate),
      SMTP_POOL_SIZE: String(s.pool),
      ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
      ...(s.chunkSize ? { KIGEN_CHUNK_SIZE: String(s.chunkSize) } : {}),
      // The distributed run ends when the watch job sees no work left: look every 2 s, not 10.
      ...(s.workers.length > 0 ? { KIGEN_WATCH_SECONDS: '2' } : {}),
      ...(opts.kigenNodeOptions ? { NODE_OPTIONS: opts.kigenNodeOptions } : {}),
    });
    const baselineEnv = cleanEnv({ ...dataset.env, ...vapidEnv });

    // What the harness itself measures of a child (kigen or the baseline), with the sinks' counters.
    const childFigures = async (r: ChildResult) => ({
      exitCode: r.code,
      processWallMs: Math.round(r.wallMs),
      sampledPeakRssBytes: r.sampledPeakRssBytes,
      exitStats: r.exitStats,
      smtp: await smtp?.stats(),
      push: await push?.stats(),
    });

    const runs: RunRecord[] = [];
    for (let i = 0; i < s.runs && s.workers.length > 0; i++) {
      for (const n of s.workers) {
        if (!smtp || dataset.kind !== 'postgres')
          throw new Error('the distributed mode needs PostgreSQL and the SMTP sink');
        await dataset.reset({ pushSent: s.push });
        await smtp.reset();
        const d = await runDistributedOnce({
          workers: n,
          poolPerWorker: s.pool,
          latencyMs: s.smtpLatencyMs,
          date: s.date,
          env: kigenEnv,
          cwd: ROOT,
          smtp,
          pgAdminUrl: opts.pgAdminUrl,
          database: new URL(dataset.env.DATABASE_URL as string).pathname.slice(1),
          timeoutMs:
            opts.timeoutMs ?? 120_000 + 3 * ((s.offices * 10 * (s.smtpLatencyMs + 20)) / (s.pool * n)),
        });
        if (d.summary.deliveries.email.sent !== d.messages)
          warnings.push(
            `run ${i + 1}, ${n} workers: the SMTP sink accepted ${d.messages} messages, the run reports ${d.summary.deliveries.email.sent} emails sent`,
          );
        log(
          `${name} run ${i + 1}/${s.runs}, ${n} worker(s): deliver ${secs(d.deliverMs)} vs bound ${secs(d.boundMs)} (${(d.ratioToBound * 100).toFixed(0)}%), ${d.messages} emails, ${d.smtp.duplicates} duplicates, ${d.statementsPerJob?.toFixed(1) ?? '?'} statements per job (${d.jobs} jobs), ${d.transactions ?? '?'} transactions, CPU ${d.cpuMsPerEmail?.toFixed(2) ?? '?'} ms per email, follower ${secs(d.follower.processWallMs)}`,
        );
        runs.push({
          index: runs.length + 1,
          kigen: {
            exitCode: d.follower.exitCode,
            processWallMs: d.follower.processWallMs,
            sampledPeakRssBytes: 0,
            exitStats: undefined,
            smtp: d.smtp,
            summary: d.summary,
          },
          distributed: d,
        });
      }
    }
    for (let i = 0; i < s.runs && s.workers.length === 0; i++) {
      const order: Array<'kigen' | 'baseline'> = !s.baseline
        ? ['kigen']
        : i % 2 === 0
          ? ['kigen', 'baseline']
          : ['baseline', 'kigen'];
      let kigen: KigenRun | undefined;
      let baseline: BaselineRun | undefined;
      for (const who of order) {
        await dataset.reset({ pushSent: s.push });
        await smtp?.reset();
        await push?.reset();
        if (who === 'kigen' && s.command === 'alerts') {
          // P11: a short command from start to exit; it prints alerts, not a run summary.
          const r = await runNode(
            [...KIGEN_NODE_FLAGS, ...EXIT_STATS_ARGS, KIGEN_CLI, 'alerts', '--date', s.date],
            {
              cwd: ROOT,
              env: kigenEnv,
              timeoutMs: limits.kigen,
            },
          );
          if (r.timedOut || r.code !== 0) throw new Error(describeFailure('kigen alerts', r));
          kigen = { ...(await childFigures(r)), summary: emptySummary() };
          log(
            `${name} run ${i + 1}/${s.runs}: kigen alerts ${secs(r.wallMs)}, peak RSS ${(Math.max(r.exitStats?.maxRssBytes ?? 0, r.sampledPeakRssBytes) / 2 ** 20).toFixed(0)} MB`,
          );
        } else if (who === 'kigen') {
          const r = await runNode(
            [
              ...KIGEN_NODE_FLAGS,
              ...EXIT_STATS_ARGS,
              KIGEN_CLI,
              'run',
              '--date',
              s.date,
              '--force',
              '--json',
              ...(s.dryRun ? ['--dry-run'] : []),
            ],
            {
              cwd: ROOT,
              env: kigenEnv,
              timeoutMs: limits.kigen,
              stdoutFilter: createJsonValueDropper('notices'),
            },
          );
          // Exit 1 means some deliveries failed: still a run with a summary. Anything else is not.
          if (r.timedOut || (r.code !== 0 && r.code !== 1)) throw new Error(describeFailure('kigen run', r));
          let summary: ReturnType<typeof parseKigenSummary>;
          try {
            summary = parseKigenSummary(r.stdout);
          } catch (error) {
            throw new Error(`${(error as Error).message}\n${describeFailure('kigen run', r)}`);
          }
          kigen = { ...(await childFigures(r)), summary };
          const sent = summary.deliveries.email.sent;
          if (kigen.smtp && sent !== undefined && kigen.smtp.messages !== sent) {
            warnings.push(
              `run ${i + 1}: the SMTP sink accepted ${kigen.smtp.messages} messages, kigen reports ${sent} emails sent`,
            );
          }
          if (r.code === 1) warnings.push(`run ${i + 1}: kigen exited 1 (some deliveries failed)`);
          log(
            `${name} run ${i + 1}/${s.runs}: kigen ${secs(kigenTimeMs(kigen))} (plan ${secs(summary.phases.planMs)}, deliver ${secs(summary.phases.deliverMs)}), ${s.dryRun ? `${plannedDeliveries(summary) ?? '?'} deliveries planned` : `${sent ?? '?'} emails sent`}, process ${secs(r.wallMs)}`,
          );
        } else {
          if (!smtpUrl) throw new Error('the baseline needs the SMTP sink');
          const dbArgs =
            dataset.kind === 'postgres'
              ? ['--database-url', dataset.env.DATABASE_URL as string]
              : ['--data-dir', dataset.env.KIGEN_DATA_DIR as string];
          const r = await runNode(
            [BASELINE, '--date', s.date, '--smtp-url', smtpUrl, ...dbArgs, ...(s.push ? ['--push'] : [])],
            { cwd: ROOT, env: baselineEnv, timeoutMs: limits.baseline },
          );
          if (r.code !== 0) throw new Error(describeFailure('seed-design baseline', r));
          const summary = parseBaselineSummary(r.stdout);
          baseline = { ...(await childFigures(r)), summary };
          log(
            `${name} run ${i + 1}/${s.runs}: seed design ${secs(summary.wallMs)}, ${summary.emails} emails`,
          );
        }
      }
      if (!kigen) throw new Error('kigen did not run');
      const bare =
        s.goals.includes('P12') && smtpUrl ? await runBarePool(kigen, smtpUrl, s, limits.kigen) : undefined;
      if (bare) {
        log(
          `${name} run ${i + 1}/${s.runs}: bare nodemailer pool ${secs(bare.wallMs)}, ${bare.emails} emails`,
        );
        await smtp?.reset();
      }
      runs.push({ index: i + 1, kigen, baseline, bare });
    }
    const md = medians(runs);
    const goals = s.goals.map((id) => evaluate(id, s, md, runs));
    for (const g of goals) log(`${g.id}: ${g.result} → ${g.pass === null ? '?' : g.pass ? 'PASS' : 'FAIL'}`);
    if (md.ratio !== undefined && !s.goals.includes('P1'))
      log(`ratio vs seed design: ${md.ratio.toFixed(1)}×`);
    return {
      settings: s,
      dataset: {
        kind: dataset.kind,
        where: dataset.where,
        source: dataset.source,
        seedMs: Math.round(dataset.seedMs),
      },
      runs,
      medians: md,
      goals,
      warnings,
    };
  } finally {
    await smtp?.stop().catch(() => undefined);
    await push?.stop().catch(() => undefined);
    await dataset?.dispose().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    fs.rmSync(certDir, { recursive: true, force: true });
    tempDirs.delete(certDir);
  }
}

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!(await kigenHasRunCommand())) {
    log(`${KIGEN_CLI} has no "run" command yet: there is nothing to benchmark.`);
    return 2;
  }
  const startedAt = new Date();
  const command = `npm run bench -- ${opts.argv.join(' ')}`.trim();
  const usesPostgres = opts.scenarios.some((s) => s.db === 'postgres');
  const pgVersion = usesPostgres
    ? await psql(
        opts.pgAdminUrl,
        new URL(opts.pgAdminUrl).pathname.slice(1) || 'postgres',
        'SHOW server_version',
      ).catch(() => undefined)
    : undefined;
  const machine = machineInfo(pgVersion);
  const commit = gitCommit(ROOT);

  const results: ScenarioResult[] = [];
  let failure: Error | undefined;
  for (const s of opts.scenarios) {
    try {
      results.push(await runScenario(s, opts));
    } catch (error) {
      failure = error as Error;
      log(`FAILED: ${failure.message}`);
      break;
    }
  }
  const finishedAt = new Date();
  const goals = results.flatMap((r) => r.goals);
  const output = {
    tool: 'kigen-bench',
    format: 1,
    label: opts.label,
    command,
    argv: opts.argv,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    commit,
    machine,
    kigenCli: KIGEN_CLI,
    goals,
    scenarios: results,
    ...(failure ? { error: failure.message } : {}),
  };
  if (opts.record && results.length > 0) {
    const file = writeResultFile(ROOT, opts.label, output, startedAt);
    log(`results: ${file}`);
    const entries: TableEntry[] = results.flatMap((r) =>
      r.goals.map((result) => ({
        result,
        runs: r.settings.workers.length > 0 ? r.settings.runs : r.runs.length,
        date: startedAt.toISOString().slice(0, 10),
        commit,
        machine,
        command,
        file,
      })),
    );
    if (entries.length > 0) {
      updateBenchmarksMd(ROOT, entries);
      log('BENCHMARKS.md updated');
    }
  }
  process.stdout.write(
    `${JSON.stringify({ label: opts.label, commit, goals: goals.map(({ detail: _, ...g }) => g), error: failure?.message }, null, 2)}\n`,
  );
  if (failure) return 1;
  return goals.some((g) => g.pass === false) ? 1 : 0;
}

function cleanupAndExit(code: number): never {
  killAllChildren();
  cleanupDatasetsSync();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => cleanupAndExit(130));
process.on('SIGTERM', () => cleanupAndExit(143));

main().then(
  (code) => {
    killAllChildren();
    cleanupDatasetsSync();
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`harness error: ${(error as Error)?.stack ?? String(error)}`);
    cleanupAndExit(1);
  },
);
