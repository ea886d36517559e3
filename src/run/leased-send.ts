// One send job of the distributed mode: lease the job's deliveries in the ledger, send them with the
// same deliverer as `kigen run`, keep the lease alive while sending, and free what is left.
// The lease is the fence: a worker starts no send after its local deadline (monotonic time taken
// before the claim or the last successful renewal, plus the lease, minus a margin), so when pg-boss
// retries a job whose old handler still runs, the two never send the same delivery.
import type { Channel, SendOutcome } from '../channels/channel.ts';
import type { BackoffPolicy } from '../domain/backoff.ts';
import type { ChannelName } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import { createDeliverer, type DeliveryChannels, type FatalError } from './deliver.ts';
import { type Clock, systemClock } from './limits.ts';
import { createOutcomeBuffer } from './outcome-buffer.ts';
import type { AttemptAudit, DeliveryOutcome, PendingDelivery } from './ports.ts';
import type { RunMetrics } from './run-metrics.ts';

/** The ledger lease, as the send job sees it (db/lease-queries.ts implements it). */
export interface LeaseStore {
  claim(opts: {
    ids: readonly string[];
    owner: string;
    leaseSeconds: number;
    quota: { sender: string; includeUnnamed: boolean; dailyQuota: number } | null;
  }): Promise<{ rows: PendingDelivery[]; quotaRemaining: number | null }>;
  renew(owner: string, leaseSeconds: number): Promise<number>;
  release(owner: string): Promise<number>;
  /** Outcomes fenced by the owner: rows another worker took over are left alone. */
  recordOutcomes(
    owner: string,
    outcomes: readonly DeliveryOutcome[],
    audits: readonly AttemptAudit[],
  ): Promise<void>;
}

/** A sender account's limits, as a send job applies them. */
export interface SenderLimits {
  name: string;
  ratePerSecond: number;
  dailyQuota: number;
  /** Counts emails sent without a recorded sender (by `kigen run` in one process) against this one. */
  includeUnnamed: boolean;
}

export interface SendBatch {
  runDate: string;
  channel: ChannelName;
  ids: readonly string[];
  /** `${job id}:${attempt}`: a retried job is a new owner. */
  owner: string;
  /** The email sender account (null for push). */
  sender: SenderLimits | null;
  /** Aborted when the job expires or the worker stops: in-flight sends finish, the rest is handed back. */
  signal: AbortSignal;
}

export interface SendBatchOptions {
  leaseSeconds: number;
  concurrency: number;
  /** Push only: sends per second in this job (email uses the sender's rate). */
  ratePerSecond: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  outcomeFlushMs: number;
  /** Longest one send attempt may take: the fence's margin covers it. */
  sendTimeoutMs: number;
}

export interface SendBatchResult {
  /** Rows this job leased. */
  claimed: number;
  /** Rows of the job that were not leased: already done, held by another worker, or over the quota. */
  notClaimed: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Leased rows left pending (stopped, fatal error, lease lost) and freed for another worker. */
  handedBack: number;
  quotaRemaining: number | null;
  fatal: FatalError | null;
}

export async function sendLeasedBatch(
  batch: SendBatch,
  deps: {
    store: LeaseStore;
    channels: DeliveryChannels;
    logger: Logger;
    clock?: Clock;
    random?: () => number;
    /** Counters and timings for a metrics backend (kigen worker with KIGEN_METRICS_PORT). Default: none. */
    metrics?: RunMetrics;
  },
  opts: SendBatchOptions,
): Promise<SendBatchResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ runDate: batch.runDate, owner: batch.owner, sender: batch.sender?.name });
  const leaseMs = opts.leaseSeconds * 1000;
  // A send that starts just before the deadline must end before the lease runs out.
  const marginMs = Math.min(leaseMs / 2, opts.sendTimeoutMs);
  const claimStarted = clock.now();
  const { rows, quotaRemaining } = await deps.store.claim({
    ids: batch.ids,
    owner: batch.owner,
    leaseSeconds: opts.leaseSeconds,
    quota: batch.sender
      ? {
          sender: batch.sender.name,
          includeUnnamed: batch.sender.includeUnnamed,
          dailyQuota: batch.sender.dailyQuota,
        }
      : null,
  });
  const result: SendBatchResult = {
    claimed: rows.length,
    notClaimed: batch.ids.length - rows.length,
    sent: 0,
    failed: 0,
    skipped: 0,
    handedBack: 0,
    quotaRemaining,
    fatal: null,
  };
  if (quotaRemaining === 0 && rows.length < batch.ids.length)
    log.warn({ left: batch.ids.length - rows.length }, 'sender quota reached: the rest stays pending');
  if (rows.length === 0) return result;

  let deadline = claimStarted + leaseMs - marginMs;
  const renewal = setInterval(() => {
    const started = clock.now();
    deps.store
      .renew(batch.owner, opts.leaseSeconds)
      .then(() => {
        deadline = Math.max(deadline, started + leaseMs - marginMs);
      })
      .catch((error) => log.warn({ err: error }, 'could not renew the lease; sending stops at its deadline'));
  }, leaseMs / 3);
  renewal.unref();

  const lost = (): SendOutcome => ({
    status: 'failed',
    kind: 'fatal',
    code: 'LEASE_LOST',
    reason: 'the lease on this delivery ran out before it could be sent; another worker may take it',
  });
  const fenced = <M>(channel: Channel<M>): Channel<M> => ({
    send: (message, signal) =>
      clock.now() < deadline ? channel.send(message, signal) : Promise.resolve(lost()),
    close: async () => {},
  });
  // One active job per sender, but each job's token bucket starts with a token: without this pause the
  // first send of a job could follow the previous job's last one (on another machine) at once, one
  // above the rate in that second.
  const rate = batch.sender ? batch.sender.ratePerSecond : 0;
  if (rate > 0) await clock.sleep(1000 / rate, batch.signal);
  let writeError: unknown = null;
  const buffer = createOutcomeBuffer(
    { recordOutcomes: (o, a) => deps.store.recordOutcomes(batch.owner, o, a) },
    {
      maxItems: 500,
      maxDelayMs: opts.outcomeFlushMs,
      onError: (error) => {
        writeError ??= error;
        log.error({ err: error }, 'could not record delivery outcomes');
      },
    },
  );
  const deliverer = createDeliverer({
    runDate: batch.runDate,
    channels: {
      email: fenced(deps.channels.email),
      push: deps.channels.push ? fenced(deps.channels.push) : null,
    },
    limits: {
      concurrency: opts.concurrency,
      ratePerSecond: batch.sender ? batch.sender.ratePerSecond : opts.ratePerSecond,
      maxAttempts: opts.maxAttempts,
      backoff: opts.backoff,
      emailQuota: null,
    },
    buffer,
    clock,
    random: deps.random ?? Math.random,
    logger: log,
    signal: batch.signal,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  try {
    for (const row of rows) {
      if (batch.signal.aborted || deliverer.fatal) break;
      await deliverer.enqueue(row);
    }
    await deliverer.drain();
  } finally {
    clearInterval(renewal);
    await buffer.close();
    // Rows never started (stopped, fatal error) are freed at once instead of when the lease runs out.
    await deps.store.release(batch.owner);
  }
  if (writeError) throw writeError;
  const c = deliverer.counts[batch.channel];
  Object.assign(result, {
    sent: c.sent,
    failed: c.failed,
    skipped: c.skipped,
    handedBack: rows.length - c.sent - c.failed - c.skipped,
    fatal: deliverer.fatal,
  });
  return result;
}
