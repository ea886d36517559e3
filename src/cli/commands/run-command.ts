// kigen run: one daily run for a date, with a progress bar on a terminal and a summary at the end.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type App, createChannels } from '../../app.ts';
import type { Config } from '../../config/config.ts';
import { createPlanReader, createRunStore } from '../../db/run-store.ts';
import { runDaily } from '../../run/daily-run.ts';
import type { RunMetrics } from '../../run/run-metrics.ts';
import type { NoticeListing, RunSummary } from '../../run/summary.ts';
import { createSenderChannels } from '../../sender-channels.ts';
import { addGlobalFlags, configFrom, printJson, runDateFrom, withApp } from '../context.ts';
import { formatSummary } from '../format.ts';
import { positiveInt } from '../parse.ts';
import { writeRunOutcome } from './run-outcome-output.ts';
import { runViaWorkers, usesSenderList } from './worker-commands.ts';

export interface RunFlags {
  date?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  viaWorkers?: boolean;
}

/** Runs one date with the app's resources. SIGINT/SIGTERM once drains in-flight sends; twice exits. */
export async function executeRun(
  app: App,
  runDate: string,
  flags: RunFlags,
  signal?: AbortSignal,
  metrics?: RunMetrics,
): Promise<RunSummary> {
  const { config, db, logger } = app;
  // Built for a dry run too (nothing is sent then): it plans push only when push is configured, like a live run.
  const built = createChannels(config);
  // KIGEN_SENDERS: one channel per account; emails are spread over them in this process too.
  const accounts = !flags.dryRun && usesSenderList(config) ? createSenderChannels(config) : null;
  // Two bars, each with a total known when it starts: offices while the plan is read, then messages.
  const showProgress = !flags.json && process.stderr.isTTY && !flags.dryRun;
  const newBar = (format: string) =>
    new cliProgress.SingleBar({ format, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let bar: cliProgress.SingleBar | null = null;
  let phase: 'none' | 'planning' | 'delivering' = 'none';
  const onProgress = (e: {
    planned: number;
    done: number;
    planning?: boolean;
    offices?: number;
    officesTotal?: number;
  }) => {
    if (e.planning) {
      if (phase === 'none') {
        bar = newBar('planning   |{bar}| {value}/{total} offices');
        bar.start(e.officesTotal ?? e.offices ?? 0, 0);
        phase = 'planning';
      }
      bar?.update(e.offices ?? 0);
      return;
    }
    if (phase !== 'delivering') {
      bar?.stop();
      bar = newBar('delivering |{bar}| {value}/{total} messages  {eta_formatted} left');
      bar.start(e.planned, e.done);
      phase = 'delivering';
    }
    bar?.update(e.done);
  };
  try {
    return await runDaily(runOptions(config, runDate, flags), {
      reader: createPlanReader(db, config.dataScope),
      store: createRunStore(db),
      channels: built?.channels ?? null,
      ...(accounts ? { emailSenders: accounts.email } : {}),
      ...(built?.pushOffReason ? { pushOffReason: built.pushOffReason } : {}),
      logger,
      statements: () => db.stats.snapshot(),
      ...(signal ? { signal } : {}),
      ...(flags.dryRun && flags.json ? { onNotice: streamNotice } : {}),
      ...(metrics ? { metrics } : {}),
      ...(showProgress ? { onProgress } : {}),
    });
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
    await built?.channels.email.close();
    await built?.channels.push?.close();
    await accounts?.close();
  }
}

export function runOptions(config: Readonly<Config>, runDate: string, flags: RunFlags) {
  return {
    runDate,
    scope: config.dataScope,
    dryRun: Boolean(flags.dryRun),
    force: Boolean(flags.force),
    chunkSize: config.chunkSize,
    grouping: config.emailGrouping,
    closures: config.closures,
    timeZone: config.timeZone,
    concurrency: config.delivery.concurrency,
    ratePerSecond: config.delivery.ratePerSecond,
    dailyQuota: config.delivery.dailyQuota,
    maxAttempts: config.delivery.maxAttempts,
    backoff: { baseMs: config.delivery.retryBaseMs, factor: 2, maxMs: config.delivery.retryMaxMs },
    listNotices: Boolean(flags.json),
    outcomeBatch: { maxItems: 500, maxDelayMs: config.delivery.outcomeFlushMs },
    ...(usesSenderList(config)
      ? {
          senders: config.senders.map((s, i) => ({
            name: s.name,
            ratePerSecond: s.ratePerSecond,
            dailyQuota: s.dailyQuota,
            // As the workers count it: emails sent before senders were recorded belong to the first one.
            includeUnnamed: i === 0,
          })),
        }
      : {}),
  };
}

/** An AbortSignal that the first SIGINT/SIGTERM aborts (drain); a second one exits at once. */
export function shutdownSignal(onFirst: (name: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onFirst(name);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

// A dry run's --json output starts with the notices, written as they are planned (a 50,000-office
// list would not fit in memory), and ends with the summary's other fields in the same JSON object.
// Writes to a pipe are synchronous on Linux: one write per ~64 KB instead of one per notice saves a
// system call (and a wait for the reader) per notice; a 50,000-office plan lists 700,000 of them.
const NOTICE_FLUSH_CHARS = 64 * 1024;
let noticesOpen = false;
let pendingNotices: string[] = [];
let pendingChars = 0;
function streamNotice(notice: NoticeListing): void {
  const text = `${noticesOpen ? ',\n' : '{\n"notices": [\n'}${JSON.stringify(notice)}`;
  noticesOpen = true;
  pendingNotices.push(text);
  pendingChars += text.length;
  if (pendingChars >= NOTICE_FLUSH_CHARS) flushNotices();
}

function flushNotices(): void {
  if (pendingNotices.length === 0) return;
  process.stdout.write(pendingNotices.join(''));
  pendingNotices = [];
  pendingChars = 0;
}

export function printSummary(summary: RunSummary, json: boolean): void {
  flushNotices();
  if (json && noticesOpen) {
    const rest = JSON.stringify({ ...summary, notices: undefined }, null, 2);
    process.stdout.write(`\n],\n${rest.slice(rest.indexOf('{') + 1).trimStart()}\n`);
  } else if (json) {
    // A dry run that planned nothing still lists its (empty) notices.
    printJson(summary.mode === 'dry-run' && !summary.notices ? { ...summary, notices: [] } : summary);
  } else {
    process.stdout.write(formatSummary(summary));
  }
  process.exitCode = summary.exitCode;
}

export function registerRunCommand(program: Command): void {
  addGlobalFlags(
    program
      .command('run')
      .description(
        'notify every office’s staff for a date (idempotent: a rerun sends only what is pending or failed)',
      )
      .option('--date <YYYY-MM-DD>', 'run date (default: today in the offices’ time zone)')
      .option('--dry-run', 'plan and report what would be sent; send and write nothing', false)
      .option('--force', 'run on a weekend, holiday or closure day too', false)
      .option('--json', 'print the summary as JSON (a dry run also lists every notice)', false)
      .option('--chunk-size <n>', 'offices per planning chunk', positiveInt)
      .option('--concurrency <n>', 'messages in flight at once', positiveInt)
      .option('--metrics-textfile <path>', 'write the run’s outcome for node_exporter’s textfile collector')
      .option('--via-workers', 'hand the date to kigen worker processes and follow it (PostgreSQL)', false),
  ).action(async (opts) => {
    const config = configFrom(opts, {
      chunkSize: 'KIGEN_CHUNK_SIZE',
      concurrency: 'KIGEN_SEND_CONCURRENCY',
      metricsTextfile: 'KIGEN_METRICS_TEXTFILE',
    });
    const runDate = runDateFrom(opts.date, config);
    const shutdown = shutdownSignal((name) =>
      process.stderr.write(
        `\n${name}: finishing messages in flight, then stopping (again to exit at once)\n`,
      ),
    );
    try {
      // A dry run writes nothing anywhere: no migration, no embedded database created.
      const summary =
        opts.viaWorkers && !opts.dryRun
          ? await runViaWorkers(config, runDate, opts, shutdown.signal)
          : await withApp(
              config,
              async (app) => {
                const s = await executeRun(app, runDate, opts, shutdown.signal);
                await writeRunOutcome(app, s);
                return s;
              },
              { readOnly: Boolean(opts.dryRun) },
            );
      printSummary(summary, opts.json);
    } finally {
      shutdown.dispose();
    }
  });
}
