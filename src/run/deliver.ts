// The delivery phase: bounded concurrency, a token bucket per sender, retries with backoff for
// transient failures, outcomes and an audit row per attempt written in batches.
import type { Channel, EmailMessage, FailureKind, PushMessage, SendOutcome } from '../channels/channel.ts';
import { type BackoffPolicy, backoffDelayMs } from '../domain/backoff.ts';
import { maskEmail, maskPersonalData } from '../domain/mask.ts';
import type { ChannelName } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import { type Clock, createTokenBucket, Semaphore } from './limits.ts';
import type { OutcomeBuffer } from './outcome-buffer.ts';
import type { PendingDelivery } from './ports.ts';
import { noRunMetrics, type RunMetrics } from './run-metrics.ts';

export interface DeliveryChannels {
  email: Channel<EmailMessage>;
  /** null when push is not configured: push deliveries are then not planned at all. */
  push: Channel<PushMessage> | null;
}

/** One sender account (KIGEN_SENDERS) as a deliverer in one process uses it. */
export interface EmailSender {
  name: string;
  channel: Channel<EmailMessage>;
  /** Sends per second through this account; 0 = unlimited. */
  ratePerSecond: number;
  /** Emails it may still send under its daily quota; null = no quota. */
  remaining: number | null;
}

/** What one sender account did in a run. */
export interface SenderCounts {
  name: string;
  sent: number;
  failed: number;
  /** Quota left after the run (null: no quota). */
  remaining: number | null;
}

export interface DeliveryLimits {
  concurrency: number;
  /** Sends per second per channel's sender; 0 = unlimited. */
  ratePerSecond: number;
  /** Attempts per delivery within one run. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Emails this run may still send under the sender's daily quota; null = no quota. */
  emailQuota: number | null;
  /**
   * Consecutive connection-level failures (no success between) after which a channel's provider counts
   * as down and the run stops. Default max(5, concurrency): one whole wave of attempts failing together.
   */
  breakerThreshold?: number;
}

export interface ChannelCounts {
  sent: number;
  failed: number;
  /** Left pending: the run was stopped, a fatal error ended it, or the quota was reached. */
  deferred: number;
  /** Not sent on purpose (a push subscription that no longer exists). */
  skipped: number;
  attempts: number;
}

export interface FailureCount {
  channel: ChannelName;
  kind: FailureKind;
  code: string;
  count: number;
}

export interface FatalError {
  channel: ChannelName;
  code: string;
  reason: string;
}

/** The stable key of a delivery: the Message-ID and the outbox file name derive from it. */
export function deliveryKey(
  runDate: string,
  d: Pick<PendingDelivery, 'staffId' | 'channel' | 'device' | 'officeKey'>,
): string {
  return `${runDate}/${d.staffId}/${d.channel}/${d.device || '-'}/${d.officeKey || '-'}`;
}

const emptyCounts = (): ChannelCounts => ({ sent: 0, failed: 0, deferred: 0, skipped: 0, attempts: 0 });

export interface Deliverer {
  /** Queues one delivery; resolves when there is room for the next (backpressure). */
  enqueue(delivery: PendingDelivery): Promise<void>;
  /** Waits for every queued delivery to end and their outcomes to be written. */
  drain(): Promise<void>;
  readonly counts: Record<ChannelName, ChannelCounts>;
  readonly failures: FailureCount[];
  /** Set when a fatal error (bad credentials, bad config) stopped the run. */
  readonly fatal: FatalError | null;
  /** Set when the email quota stopped further emails. */
  readonly quotaReached: boolean;
  /** Per sender account, when the deliverer was given several (emailSenders); else empty. */
  readonly senders: SenderCounts[];
}

export function createDeliverer(ctx: {
  runDate: string;
  channels: DeliveryChannels;
  limits: DeliveryLimits;
  buffer: OutcomeBuffer;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Aborted on shutdown: in-flight sends finish, nothing new starts. */
  signal: AbortSignal;
  /** Checked before each send: a promise to wait for (the run's claim is being re-taken), or undefined. */
  beforeSend?: () => Promise<void> | undefined;
  onDone?: (channel: ChannelName) => void;
  /** Counters and timings for a metrics backend. Default: none. */
  metrics?: RunMetrics;
  /**
   * Several sender accounts: each email goes to the one with the most quota left (unlimited first),
   * ties to the one with the fewest emails per unit of rate; each account has its own rate. Without
   * them, emails go through channels.email under limits.ratePerSecond and limits.emailQuota.
   */
  emailSenders?: readonly EmailSender[];
}): Deliverer {
  const { limits, buffer, clock } = ctx;
  const metrics = ctx.metrics ?? noRunMetrics;
  const sendSlots = new Semaphore(limits.concurrency);
  // Deliveries waiting for a retry hold no send slot, but they do count here, so memory stays bounded.
  const maxActive = limits.concurrency * 4;
  const buckets = {
    email: createTokenBucket(limits.ratePerSecond, clock),
    push: createTokenBucket(limits.ratePerSecond, clock),
  };
  const stop = new AbortController();
  ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
  const counts: Record<ChannelName, ChannelCounts> = { email: emptyCounts(), push: emptyCounts() };
  const failures = new Map<string, FailureCount>();
  const active = new Set<Promise<void>>();
  const activeSlots = new Semaphore(maxActive);
  let fatal: FatalError | null = null;
  const breaker = createBreaker(limits.breakerThreshold ?? Math.max(5, limits.concurrency));
  let emailBudget = limits.emailQuota;
  let quotaReached = false;
  const senders = (ctx.emailSenders ?? []).map((sender) => ({
    sender,
    bucket: createTokenBucket(sender.ratePerSecond, clock),
    left: sender.remaining ?? Number.POSITIVE_INFINITY,
    assigned: 0,
    weight: sender.ratePerSecond > 0 ? sender.ratePerSecond : 1,
    sent: 0,
    failed: 0,
  }));
  type SenderState = (typeof senders)[number];
  /** The same rule as the distributed run's routing (run/queued-run.ts routeDeliveries). */
  const pickSender = (): SenderState | null => {
    let best: SenderState | null = null;
    for (const s of senders) {
      if (s.left <= 0) continue;
      if (
        !best ||
        s.left > best.left ||
        (s.left === best.left && s.assigned / s.weight < best.assigned / best.weight)
      )
        best = s;
    }
    return best;
  };

  const countFailure = (channel: ChannelName, kind: FailureKind, code: string) => {
    const key = `${channel}:${kind}:${code}`;
    const entry = failures.get(key) ?? { channel, kind, code, count: 0 };
    entry.count += 1;
    failures.set(key, entry);
  };

  async function deliverOne(d: PendingDelivery): Promise<void> {
    const channel = d.channel === 'email' ? ctx.channels.email : ctx.channels.push;
    const tally = counts[d.channel];
    const key = deliveryKey(ctx.runDate, d);
    const officeId = d.officeKey || d.payload.notice.sections[0]?.office.id || null;
    // Created only when something is logged: most deliveries log nothing.
    const log = () =>
      ctx.logger.child({ delivery: d.id, channel: d.channel, to: maskEmail(d.payload.notice.email) });
    let attempts = 0;
    /** The sender account of this email (with several accounts): kept for its retries. */
    let route: SenderState | null = null;
    /** Pending for a later run, with the failure that left it there. */
    const keepPending = (failure: { kind: FailureKind; code: string; reason: string }) => {
      tally.deferred += 1;
      metrics.delivery(d.channel, 'deferred');
      buffer.outcome({
        id: d.id,
        status: 'pending',
        attempts,
        errorKind: failure.kind,
        errorCode: failure.code,
        errorReason: failure.reason,
      });
    };
    const leavePending = (why: string) => {
      tally.deferred += 1;
      metrics.delivery(d.channel, 'deferred');
      if (attempts > 0) buffer.outcome({ id: d.id, status: 'pending', attempts, errorReason: why });
    };
    for (;;) {
      if (stop.signal.aborted || !channel)
        return leavePending(fatal ? 'stopped by a fatal error' : 'run stopped');
      if (d.channel === 'email' && attempts === 0 && senders.length > 0 && !route) {
        route = pickSender();
        if (!route) {
          quotaReached = true;
          return leavePending('daily quota of every sender account reached');
        }
        route.left -= 1;
        route.assigned += 1;
      } else if (d.channel === 'email' && attempts === 0 && senders.length === 0) {
        if (emailBudget !== null && emailBudget <= 0) {
          quotaReached = true;
          return leavePending('daily quota reached');
        }
        if (emailBudget !== null) emailBudget -= 1;
      }
      // The slot first, then the token: tokens taken while waiting for a slot would let every send queued
      // behind a stalled provider start at once when it recovers, above the configured rate.
      const release = await sendSlots.acquire();
      let outcome: SendOutcome;
      try {
        const waitStart = clock.now();
        await (route ? route.bucket : buckets[d.channel]).take(stop.signal);
        if ((route ? route.sender.ratePerSecond : limits.ratePerSecond) > 0)
          metrics.rateLimitWait(d.channel, (clock.now() - waitStart) / 1000);
        const paused = ctx.beforeSend?.();
        if (paused) await paused;
        if (stop.signal.aborted) return leavePending('run stopped');
        attempts += 1;
        tally.attempts += 1;
        const p = d.payload;
        const sendStart = clock.now();
        outcome =
          p.channel === 'email'
            ? await (route ? route.sender.channel : ctx.channels.email).send({
                deliveryKey: key,
                runDate: ctx.runDate,
                notice: p.notice,
              })
            : await (ctx.channels.push as Channel<PushMessage>).send({
                deliveryKey: key,
                runDate: ctx.runDate,
                notice: p.notice,
                subscription: p.subscription,
                pushThresholdDays: p.pushThresholdDays,
              });
        metrics.attempt(
          d.channel,
          outcome.status === 'failed' ? outcome.kind : outcome.status,
          (clock.now() - sendStart) / 1000,
        );
      } finally {
        release();
      }
      // Reasons come from providers' free text: whatever a channel left in them, no whole address or
      // secret reaches the deliveries table, the audit log or a log line.
      if (outcome.status === 'failed') outcome = { ...outcome, reason: maskPersonalData(outcome.reason) };
      const attemptNo = d.attempts + attempts;
      buffer.audit({
        deliveryId: d.id,
        staffId: d.staffId,
        officeId,
        action: `notification.${d.channel}.${outcome.status === 'failed' ? `failed_${outcome.kind}` : outcome.status}`,
        details: {
          run_date: ctx.runDate,
          attempt: attemptNo,
          to: maskEmail(d.payload.notice.email),
          ...(d.device ? { device: d.device } : {}),
          ...(outcome.status === 'failed' ? { code: outcome.code, reason: outcome.reason } : {}),
          ...(outcome.status === 'gone' ? { code: outcome.code } : {}),
        },
      });
      breaker.record(d.channel, outcome);
      if (outcome.status === 'sent') {
        tally.sent += 1;
        if (route) route.sent += 1;
        metrics.delivery(d.channel, 'sent');
        buffer.outcome({
          id: d.id,
          status: 'sent',
          attempts,
          sentAt: new Date(),
          ...(route ? { sender: route.sender.name } : {}),
        });
        ctx.onDone?.(d.channel);
        return;
      }
      if (outcome.status === 'gone') {
        tally.skipped += 1;
        metrics.delivery(d.channel, 'skipped');
        log().info({ code: outcome.code }, 'push subscription is gone; deleting it');
        const sub = d.payload.channel === 'push' ? d.payload.subscription : null;
        buffer.outcome({
          id: d.id,
          status: 'skipped',
          attempts,
          errorKind: 'permanent',
          errorCode: outcome.code,
          errorReason: 'push subscription expired or unsubscribed; deleted',
          ...(sub ? { goneSubscription: { id: sub.id, endpoint: sub.endpoint } } : {}),
        });
        ctx.onDone?.(d.channel);
        return;
      }
      countFailure(d.channel, outcome.kind, outcome.code);
      const tripped = breaker.tripped(d.channel);
      if (outcome.kind === 'fatal' || tripped) {
        if (!fatal) {
          fatal =
            outcome.kind === 'fatal'
              ? { channel: d.channel, code: outcome.code, reason: outcome.reason }
              : {
                  channel: d.channel,
                  code: outcome.code,
                  reason: `the ${d.channel} provider failed ${tripped} attempts in a row at the connection level (last: ${outcome.reason}); nothing more is sent, the rest stays pending: check the server and its settings, then run the date again`,
                };
          log().error(
            { code: outcome.code, reason: outcome.reason },
            'fatal delivery error: stopping the run',
          );
        }
        stop.abort();
        return keepPending(outcome);
      }
      if (outcome.unknownOutcome) {
        // Sent in full, never answered: it may have arrived. Not again in this run; the next run of the date
        // sends it once more (same Message-ID, so a mail system can drop a copy).
        log().warn(
          { code: outcome.code, attempts },
          'no answer after the message was sent; left for the next run',
        );
        return keepPending(outcome);
      }
      if (outcome.kind === 'permanent' || attempts >= limits.maxAttempts) {
        tally.failed += 1;
        if (route) route.failed += 1;
        metrics.delivery(d.channel, 'failed');
        log().warn({ code: outcome.code, kind: outcome.kind, attempts }, 'delivery failed');
        buffer.outcome({
          id: d.id,
          status: 'failed',
          attempts,
          errorKind: outcome.kind,
          errorCode: outcome.code,
          errorReason: outcome.reason,
        });
        ctx.onDone?.(d.channel);
        return;
      }
      const delay = Math.max(outcome.retryAfterMs ?? 0, backoffDelayMs(attempts, limits.backoff, ctx.random));
      log().debug({ code: outcome.code, attempts, delay }, 'transient failure; retrying');
      await clock.sleep(delay, stop.signal);
    }
  }

  return {
    async enqueue(delivery) {
      // A semaphore, not Promise.race over the active set: racing N promises on every call adds N
      // reactions each time, which cost more CPU than the sends themselves at high concurrency.
      const release = await activeSlots.acquire();
      const task: Promise<void> = deliverOne(delivery)
        .catch((error) => {
          // A bug, not a send failure (channels return outcomes): keep the delivery pending and say so.
          ctx.logger.error({ err: error, delivery: delivery.id }, 'unexpected error while delivering');
          counts[delivery.channel].deferred += 1;
          metrics.delivery(delivery.channel, 'deferred');
        })
        .finally(() => {
          active.delete(task);
          release();
        });
      active.add(task);
    },
    async drain() {
      while (active.size > 0) await Promise.all(active);
      await buffer.flush();
    },
    counts,
    get failures() {
      return [...failures.values()];
    },
    get fatal() {
      return fatal;
    },
    get quotaReached() {
      return quotaReached;
    },
    get senders() {
      return senders.map((s) => ({
        name: s.sender.name,
        sent: s.sent,
        failed: s.failed,
        remaining: s.sender.remaining === null ? null : s.left,
      }));
    },
  };
}

/**
 * The circuit breaker: counts connection-level failures per channel since its last success. A provider that
 * refuses, times out or drops every attempt would otherwise cost each message its full retries.
 */
function createBreaker(threshold: number) {
  const inARow: Record<ChannelName, number> = { email: 0, push: 0 };
  return {
    record(channel: ChannelName, outcome: SendOutcome) {
      if (outcome.status !== 'failed') inARow[channel] = 0;
      else if (outcome.connection) inARow[channel] += 1;
      // A reply about this message (5xx, 4xx at RCPT) shows the server is there and answering.
      else inARow[channel] = 0;
    },
    /** The failures in a row once the threshold is reached, else 0. */
    tripped(channel: ChannelName): number {
      return inARow[channel] >= threshold ? inARow[channel] : 0;
    },
  };
}
