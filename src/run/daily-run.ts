// The daily run: gate → claim → plan chunks → record deliveries → deliver → summary.
// It sees storage and channels through their interfaces only, and returns a summary value;
// the CLI decides what to print and which exit code that means.
import { hostname } from 'node:os';
import type { Channel, EmailMessage } from '../channels/channel.ts';
import type { BackoffPolicy } from '../domain/backoff.ts';
import { type BusinessDayCheck, businessDayCheck, type ClosureRange } from '../domain/business-day.ts';
import type { NoticeGrouping } from '../domain/notices.ts';
import { noticeCounts } from '../domain/notices.ts';
import type { CalendarDate, ChannelName } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import { type ClaimGuard, holdClaim } from './claim-guard.ts';
import { createDeliverer, type DeliveryChannels, type EmailSender } from './deliver.ts';
import { countWouldSend, failedDeliveriesOf } from './ledger.ts';
import { type Clock, systemClock } from './limits.ts';
import { outcomesAheadOfPlanning } from './one-connection.ts';
import { createOutcomeBuffer } from './outcome-buffer.ts';
import { type PlannedChunk, planChunks } from './plan.ts';
import type { DataScope, PlanReader, RunStore } from './ports.ts';
import type { RunMetrics } from './run-metrics.ts';
import {
  type ChannelTotals,
  emptyTotals,
  type NoticeListing,
  type RunSummary,
  type StatementCounts,
  statusAndExit,
} from './summary.ts';

export interface DailyRunOptions {
  runDate: CalendarDate;
  scope: DataScope;
  dryRun: boolean;
  force: boolean;
  chunkSize: number;
  grouping: NoticeGrouping;
  closures: readonly ClosureRange[];
  timeZone: string;
  concurrency: number;
  ratePerSecond: number;
  dailyQuota: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Outcomes per write batch, and the longest a finished delivery waits to be recorded. */
  outcomeBatch?: { maxItems: number; maxDelayMs: number };
  /** With dryRun: list every notice that would be sent. */
  listNotices?: boolean;
  /**
   * Several sender accounts (KIGEN_SENDERS): emails are spread over them by quota left and rate, as
   * the workers do; each has its own rate and daily quota (ratePerSecond and dailyQuota above then
   * apply to push only). Their channels come in deps.emailSenders.
   */
  senders?: ReadonlyArray<{
    name: string;
    ratePerSecond: number;
    dailyQuota: number;
    includeUnnamed: boolean;
  }>;
}

export interface DailyRunDeps {
  reader: PlanReader;
  store: RunStore;
  /** null in a dry run: nothing is sent. */
  channels: DeliveryChannels | null;
  /** Why push is off, when channels.push is null. */
  pushOffReason?: string;
  /** The email channel of each sender account in options.senders, by name. */
  emailSenders?: ReadonlyMap<string, Channel<EmailMessage>>;
  logger: Logger;
  statements: () => StatementCounts;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
  /**
   * Progress: while planning, offices planned of officesTotal (read once at the start when this is given);
   * once planning is over (planning false), messages done of planned, a total that no longer grows.
   */
  onProgress?: (event: {
    planned: number;
    done: number;
    planning?: boolean;
    offices?: number;
    officesTotal?: number;
  }) => void;
  /**
   * Dry run with listNotices: receives each notice as it is planned, so a large list is streamed
   * instead of held in memory. Without it the list is returned in summary.notices.
   */
  onNotice?: (notice: NoticeListing) => void;
  /** Counters and timings of the delivery phase for a metrics backend. Default: none. */
  metrics?: RunMetrics;
}

/** Deliveries recorded per INSERT: with one outcome batch per as many, writes stay ≤ 2 per 500 deliveries. */
const INSERT_SLICE = 500;
/**
 * The run's first INSERT is smaller: nothing is sent before it returns, and 500 rows took ~55 ms on
 * the benchmark's PostgreSQL (P2), every connection idle meanwhile. Later slices are written while
 * earlier deliveries are being sent. One statement more per run.
 */
const FIRST_INSERT_SLICE = 50;

export async function runDaily(options: DailyRunOptions, deps: DailyRunDeps): Promise<RunSummary> {
  const started = performance.now();
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  const sampleRss = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  };
  const memoryTimer = setInterval(sampleRss, 100);
  memoryTimer.unref();
  const statementsAtStart = deps.statements();
  const log = deps.logger.child({ runDate: options.runDate, scope: options.scope, dryRun: options.dryRun });
  // Push is planned when there is a push channel; a dry run given no channels at all plans it too.
  const pushPlanned = deps.channels ? Boolean(deps.channels.push) : options.dryRun;
  const summary: RunSummary = {
    runDate: options.runDate,
    timeZone: options.timeZone,
    scope: options.scope,
    mode: options.dryRun ? 'dry-run' : 'live',
    status: 'completed',
    exitCode: 0,
    message: '',
    resumed: false,
    offices: 0,
    staff: 0,
    deliveries: { email: emptyTotals(), push: emptyTotals() },
    failures: [],
    push: pushPlanned
      ? { enabled: true }
      : { enabled: false, reason: deps.pushOffReason ?? 'not configured' },
    statements: { read: 0, write: 0, ddl: 0, other: 0 },
    phases: { planMs: 0, deliverMs: 0, totalMs: 0 },
    memory: { rssStartBytes: rssStart, rssPeakBytes: rssStart, rssGrowthBytes: 0 },
    throughput: { messagesPerSecond: 0 },
  };
  const finishSummary = (): RunSummary => {
    clearInterval(memoryTimer);
    sampleRss();
    const now = deps.statements();
    for (const k of Object.keys(summary.statements) as (keyof StatementCounts)[]) {
      summary.statements[k] = now[k] - statementsAtStart[k];
    }
    summary.phases.totalMs = Math.round(performance.now() - started);
    summary.memory = { rssStartBytes: rssStart, rssPeakBytes: rssPeak, rssGrowthBytes: rssPeak - rssStart };
    const sent = summary.deliveries.email.sent + summary.deliveries.push.sent;
    summary.throughput.messagesPerSecond =
      summary.phases.deliverMs > 0 ? Math.round((sent / summary.phases.deliverMs) * 1000 * 10) / 10 : 0;
    Object.assign(summary, statusAndExit(summary));
    return summary;
  };

  // 1. Gate: a non-business day in the offices' time zone is skipped (and recorded) unless forced.
  const day: BusinessDayCheck = businessDayCheck(options.runDate, [...options.closures]);
  if (!day.business && !options.force) {
    summary.skip = { reason: day.reason, name: day.name };
    summary.status = 'skipped';
    summary.message = `${options.runDate} is not a business day (${day.reason}: ${day.name}); nothing sent. Use --force to run anyway.`;
    if (!options.dryRun)
      await deps.store.recordSkip(options.runDate, options.scope, `${day.reason}: ${day.name}`);
    log.info({ reason: day.reason, name: day.name }, 'not a business day: skipped');
    return finishSummary();
  }
  if (!day.business) summary.forcedOn = `${day.reason}: ${day.name}`;

  // 2. Claim: one run row per (date, scope); a lock that dies with its process makes one runner work on it.
  const owner = `${hostname()}:${process.pid}`;
  let claim: ClaimGuard | null = null;
  let run: Awaited<ReturnType<RunStore['claim']>>['run'] | null = null;
  // Aborted on shutdown (deps.signal) and when the claim is lost for good: sends stop, in-flight ones finish.
  const stopRun = new AbortController();
  if (deps.signal?.aborted) stopRun.abort();
  deps.signal?.addEventListener('abort', () => stopRun.abort(), { once: true });
  if (!options.dryRun) {
    const claimed = await deps.store.claim(options.runDate, options.scope, owner);
    run = claimed.run;
    claim = await holdClaim({
      store: deps.store,
      run,
      owner,
      logger: log,
      clock: deps.clock ?? systemClock,
      onGiveUp: () => stopRun.abort(),
    });
    if (!claim) {
      summary.status = 'busy';
      summary.message = `another kigen process (${run.owner ?? 'unknown'}) is running ${options.runDate} right now; nothing done here`;
      log.info({ owner: run.owner }, 'run is held by another process');
      return finishSummary();
    }
    if (!claimed.created && run.status === 'skipped') {
      // A day recorded as skipped and now forced: nothing was planned for it, so this is a first run.
      await deps.store.resume(run, owner);
    } else if (!claimed.created) {
      summary.resumed = true;
      await deps.store.resume(run, owner);
      const requeued = await deps.store.requeueFailed(run.id);
      summary.resumeNote = `resuming the run of ${options.runDate} (previous state: ${run.status}); only pending and failed deliveries are sent${requeued ? ` (${requeued} failed ones retried)` : ''}`;
      log.info({ previous: run.status, requeued }, 'resuming run');
    }
  }

  const random = deps.random ?? Math.random;
  const clock = deps.clock ?? systemClock;
  const signal = stopRun.signal;
  let writeError: unknown = null;
  const buffer = createOutcomeBuffer(deps.store, {
    maxItems: options.outcomeBatch?.maxItems ?? 500,
    maxDelayMs: options.outcomeBatch?.maxDelayMs ?? 2000,
    onError: (error) => {
      writeError ??= error;
      log.error({ err: error }, 'could not record delivery outcomes');
    },
  });
  // A dry run writes no outcomes: nothing to put ahead of its statements.
  const { reader, store } = options.dryRun
    ? { reader: deps.reader, store: deps.store }
    : outcomesAheadOfPlanning(deps.reader, deps.store, buffer);
  // A dry run of a date that ran already reads the ledger, to say what a real rerun would do.
  const ledger = options.dryRun && (await deps.store.findRun(options.runDate, options.scope)) !== null;
  if (options.dryRun) for (const c of ['email', 'push'] as const) summary.deliveries[c].wouldSend = 0;
  let emailQuota: number | null = null;
  let emailSenders: EmailSender[] | undefined;
  if (!options.dryRun && deps.channels && options.senders && options.senders.length > 0) {
    emailSenders = await senderBudgets(deps.store, options.senders, deps.emailSenders);
    const limited = options.senders.every((s) => s.dailyQuota > 0);
    if (limited) {
      const dailyQuota = options.senders.reduce((n, s) => n + s.dailyQuota, 0);
      const remaining = emailSenders.reduce((n, s) => n + (s.remaining ?? 0), 0);
      summary.quota = { dailyQuota, usedLast24h: dailyQuota - remaining, remaining, deferred: 0 };
    }
  } else if (!options.dryRun && options.dailyQuota > 0) {
    const used = await deps.store.emailsSentSince(24);
    emailQuota = Math.max(0, options.dailyQuota - used);
    summary.quota = { dailyQuota: options.dailyQuota, usedLast24h: used, remaining: emailQuota, deferred: 0 };
  }
  let done = 0;
  let planned = 0;
  let planning = true;
  const officesTotal =
    deps.onProgress && deps.reader.countOffices ? await deps.reader.countOffices() : undefined;
  const deliverer =
    deps.channels && !options.dryRun
      ? createDeliverer({
          runDate: options.runDate,
          channels: deps.channels,
          limits: {
            concurrency: options.concurrency,
            ratePerSecond: options.ratePerSecond,
            maxAttempts: options.maxAttempts,
            backoff: options.backoff,
            emailQuota,
          },
          buffer,
          clock,
          random,
          logger: log,
          signal,
          ...(claim ? { beforeSend: (claim as ClaimGuard).ready } : {}),
          onDone: () => {
            done += 1;
            if (!planning) deps.onProgress?.({ planned, done, planning });
          },
          ...(deps.metrics ? { metrics: deps.metrics } : {}),
          ...(emailSenders ? { emailSenders } : {}),
        })
      : null;

  try {
    let deliverStart = 0;
    // Deliveries left pending by an earlier run of this date go first. Everything this run inserts
    // below is new, so nothing is handed to the deliverer twice.
    if (run && deliverer && summary.resumed) {
      deliverStart = performance.now();
      let afterId: string | null = null;
      for (;;) {
        const page = await store.pendingDeliveries(run.id, afterId, 1000);
        afterId = page.at(-1)?.id ?? null;
        for (const d of page) {
          if (signal.aborted || deliverer.fatal) break;
          planned += 1;
          await deliverer.enqueue(d);
        }
        if (page.length < 1000 || signal.aborted || deliverer.fatal) break;
      }
    }

    // 3 + 4. Plan chunk by chunk; each chunk's deliveries are recorded (a few hundred per statement)
    // and handed to the deliverer, whose backpressure bounds what is held in memory.
    let planMs = 0;
    const notices: NoticeListing[] = [];
    const listNotice = deps.onNotice ?? ((n: NoticeListing) => notices.push(n));
    let chunkStart = performance.now();
    let insertedAny = false;
    const chunks = planChunks(reader, {
      runDate: options.runDate,
      chunkSize: options.chunkSize,
      grouping: options.grouping,
      push: pushPlanned,
      readAhead: deliverer ? 0 : 1,
    });
    // Not a for-await loop: its binding kept the previous chunk reachable while the next one was read
    // and planned (measured: ~12 MB more live heap per 1,000-office chunk). `chunk` is dropped by hand
    // at the end of each turn instead.
    for (;;) {
      let chunk: PlannedChunk | undefined = (await chunks.next()).value || undefined;
      if (!chunk) break;
      summary.offices += chunk.offices.length;
      summary.staff += chunk.staffCount;
      for (const d of chunk.deliveries) summary.deliveries[d.channel].planned += 1;
      if (options.dryRun) await countWouldSend(store, options.runDate, chunk.deliveries, ledger, summary);
      if (options.dryRun && options.listNotices) {
        for (const d of chunk.deliveries) {
          listNotice({
            staffId: d.staffId,
            name: d.payload.notice.fullName,
            channel: d.channel,
            device: d.device || null,
            offices: d.payload.notice.sections.map((s) => s.office.name),
            counts: noticeCounts(d.payload.notice),
          });
        }
      }
      planMs += performance.now() - chunkStart;
      if (run && deliverer) {
        if (!deliverStart) deliverStart = performance.now();
        // Recorded in slices: one INSERT per slice keeps each statement's JSON small, and the first
        // messages go out before the whole chunk is written.
        for (let i = 0; i < chunk.deliveries.length && !signal.aborted && !deliverer.fatal; ) {
          const size = insertedAny ? INSERT_SLICE : FIRST_INSERT_SLICE;
          const slice = chunk.deliveries.slice(i, i + size);
          i += size;
          insertedAny = true;
          const fresh = await store.insertDeliveries(run, slice);
          // Rows that a previous run of this date already recorded are not new: they were resumed above.
          for (const d of slice) summary.deliveries[d.channel].alreadyRecorded += 1;
          for (const d of fresh) summary.deliveries[d.channel].alreadyRecorded -= 1;
          planned += fresh.length;
          for (const d of fresh) {
            if (signal.aborted || deliverer.fatal) break;
            await deliverer.enqueue(d);
          }
        }
      }
      chunk = undefined;
      deps.onProgress?.({
        planned,
        done,
        planning,
        offices: summary.offices,
        ...(officesTotal === undefined ? {} : { officesTotal }),
      });
      sampleRss();
      chunkStart = performance.now();
      if (signal.aborted || deliverer?.fatal) break;
    }
    await chunks.return(undefined);
    planning = false;
    deps.onProgress?.({ planned, done, planning });
    summary.phases.planMs = Math.round(planMs);
    if (options.dryRun && options.listNotices && !deps.onNotice) summary.notices = notices;

    if (deliverer) {
      await deliverer.drain();
      summary.phases.deliverMs = Math.round(performance.now() - (deliverStart || performance.now()));
      for (const channel of ['email', 'push'] as const satisfies readonly ChannelName[]) {
        const c = deliverer.counts[channel];
        Object.assign(summary.deliveries[channel], {
          sent: c.sent,
          failed: c.failed,
          pending: c.deferred,
          skipped: c.skipped,
          attempts: c.attempts,
        });
      }
      summary.failures = deliverer.failures;
      if (emailSenders) summary.senders = deliverer.senders;
      if (summary.quota)
        summary.quota.deferred = deliverer.quotaReached ? summary.deliveries.email.pending : 0;
      if (deliverer.fatal) summary.fatal = deliverer.fatal;
    }
    if (writeError) throw writeError;
    if (run) {
      summary.totals = await totalsOf(deps.store, run.id);
      if (summary.totals.email.failed + summary.totals.push.failed > 0)
        summary.failedDeliveries = await failedDeliveriesOf(deps.store, run.id);
      summary.interrupted = signal.aborted;
      if (claim?.lostReason) summary.claimLost = claim.lostReason;
      Object.assign(summary, statusAndExit(summary));
      // A process that took the date over owns its run row now: this one leaves it alone.
      if (!claim?.takenOver)
        await deps.store.finish(
          run.id,
          summary.status === 'completed' ? 'completed' : signal.aborted ? 'interrupted' : 'failed',
          {
            ...summary,
            notices: undefined,
          },
        );
    }
    return finishSummary();
  } catch (error) {
    // Outcomes already recorded stay; the run row says it failed, and a rerun resumes the rest.
    if (run && !claim?.takenOver) {
      await buffer.close();
      await deps.store
        .finish(run.id, 'failed', { error: (error as Error).message ?? String(error) })
        .catch((e) => log.error({ err: e }, 'could not mark the run as failed'));
    }
    throw error;
  } finally {
    await buffer.close();
    await claim?.release();
    clearInterval(memoryTimer);
  }
}

async function totalsOf(store: RunStore, runId: string): Promise<Record<ChannelName, ChannelTotals>> {
  const totals: Record<ChannelName, ChannelTotals> = {
    email: { pending: 0, sent: 0, failed: 0, skipped: 0 },
    push: { pending: 0, sent: 0, failed: 0, skipped: 0 },
  };
  for (const row of await store.tally(runId)) totals[row.channel][row.status] = row.count;
  return totals;
}

/** Each sender account with its channel and the quota it has left (one statement for all of them). */
async function senderBudgets(
  store: RunStore,
  senders: NonNullable<DailyRunOptions['senders']>,
  channels: ReadonlyMap<string, Channel<EmailMessage>> | undefined,
): Promise<EmailSender[]> {
  const limited = senders.filter((s) => s.dailyQuota > 0);
  const used = limited.length > 0 ? await store.senderUsage(limited) : new Map<string, number>();
  return senders.map((s) => {
    const channel = channels?.get(s.name);
    if (!channel) throw new Error(`no email channel for sender account "${s.name}"`);
    return {
      name: s.name,
      channel,
      ratePerSecond: s.ratePerSecond,
      remaining: s.dailyQuota > 0 ? Math.max(0, s.dailyQuota - (used.get(s.name) ?? 0)) : null,
    };
  });
}
