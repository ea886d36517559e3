// Shared plumbing for the daily-run tests: options with small, fast limits, a real email channel pointed
// at the loopback SMTP sink, runDaily wired to a test database, and readers for what the run left behind.
import type { Channel, EmailMessage, PushMessage } from '../../src/channels/channel.ts';
import { createEmailChannel, messageIdFor } from '../../src/channels/email/email-channel.ts';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader, createRunStore } from '../../src/db/run-store.ts';
import { createLogger } from '../../src/logger.ts';
import { type DailyRunDeps, type DailyRunOptions, runDaily } from '../../src/run/daily-run.ts';
import { deliveryKey } from '../../src/run/deliver.ts';
import type { RunSummary } from '../../src/run/summary.ts';
import type { SmtpSink, SmtpSinkOptions } from '../helpers/smtp-server.ts';

/** A Tuesday and an ordinary business day in Japan. */
export const RUN_DATE = '2026-12-01';
/** こどもの日 振替休日 (a Wednesday). */
export const HOLIDAY = '2026-05-06';
export const FROM = 'kigen <noreply@kigen.example.jp>';
export const FROM_DOMAIN = 'kigen.example.jp';

/** Calendar arithmetic for fixture deadlines: the domain's own, re-exported for the tests. */
export { addDays } from '../../src/domain/calendar-date.ts';

export function runOptions(overrides: Partial<DailyRunOptions> = {}): DailyRunOptions {
  return {
    runDate: RUN_DATE,
    scope: 'production',
    dryRun: false,
    force: false,
    chunkSize: 1000,
    grouping: 'digest',
    closures: [],
    timeZone: 'Asia/Tokyo',
    concurrency: 4,
    ratePerSecond: 0,
    dailyQuota: 0,
    maxAttempts: 3,
    backoff: { baseMs: 2, factor: 2, maxMs: 10 },
    outcomeBatch: { maxItems: 50, maxDelayMs: 20 },
    ...overrides,
  };
}

export function smtpChannel(
  url: string,
  opts: { maxConnections?: number; timeoutMs?: number } = {},
): Channel<EmailMessage> {
  return createEmailChannel({
    transport: { kind: 'smtp', url, pool: { maxConnections: opts.maxConnections ?? 4, maxMessages: 1000 } },
    from: FROM,
    appName: 'kigen',
    dashboardUrl: 'https://kigen.example.jp/dashboard',
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
}

/**
 * One in-process run against `db`, emailing `smtpUrl` (null: no channels, as the CLI does for a dry run).
 * The channels are closed afterwards, so every accepted message has reached the sink when this resolves.
 */
export async function runWith(
  db: Db,
  options: DailyRunOptions,
  smtpUrl: string | null,
  extra: {
    push?: Channel<PushMessage>;
    maxConnections?: number;
    /** Per-attempt timeout of the email channel, in ms (default 10 s). */
    timeoutMs?: number;
    /** Called as the run hands each email to the channel; the send waits for what it returns. */
    onSend?: (message: EmailMessage) => void | Promise<void>;
    deps?: Partial<DailyRunDeps>;
  } = {},
): Promise<RunSummary> {
  const email = smtpUrl
    ? smtpChannel(smtpUrl, {
        ...(extra.maxConnections === undefined ? {} : { maxConnections: extra.maxConnections }),
        ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }),
      })
    : null;
  const onSend = extra.onSend;
  const watched: Channel<EmailMessage> | null =
    email && onSend
      ? {
          send: async (message, signal) => {
            await onSend(message);
            return email.send(message, signal);
          },
          close: () => email.close(),
        }
      : email;
  try {
    return await runDaily(options, {
      reader: createPlanReader(db, options.scope),
      store: createRunStore(db),
      channels: watched ? { email: watched, push: extra.push ?? null } : null,
      logger: createLogger('silent'),
      statements: () => db.stats.snapshot(),
      ...extra.deps,
    });
  } finally {
    await email?.close();
  }
}

/** The Message-ID the email of a delivery carries (without angle brackets), as the channel derives it. */
export function messageIdOf(
  runDate: string,
  d: { staffId: string; channel: 'email' | 'push'; device: string; officeKey: string },
): string {
  return messageIdFor(deliveryKey(runDate, d), FROM_DOMAIN).slice(1, -1);
}

const bare = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');

/** How many times the sink received each Message-ID. */
export function messageIdCounts(sink: SmtpSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of sink.messages) counts.set(bare(m.messageId), (counts.get(bare(m.messageId)) ?? 0) + 1);
  return counts;
}

/** The messages the sink received for one address. */
export function mailTo(sink: SmtpSink, address: string) {
  return sink.messages.filter((m) => m.envelope.to.includes(address));
}

export interface DeliveryRow {
  id: string;
  staff_id: string;
  channel: string;
  device: string;
  office_key: string;
  status: string;
  attempts: number;
  error_kind: string | null;
  error_code: string | null;
}

export async function deliveryRows(db: Db): Promise<DeliveryRow[]> {
  const rows = await db.k
    .selectFrom('deliveries')
    .select([
      'id',
      'staff_id',
      'channel',
      'device',
      'office_key',
      'status',
      'attempts',
      'error_kind',
      'error_code',
    ])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

export interface AuditRow {
  action: string;
  target_id: string | null;
  details: { attempt?: number; code?: string; run_date?: string; staff_id?: string };
}

export async function auditRows(db: Db): Promise<AuditRow[]> {
  const rows = await db.k
    .selectFrom('audit_logs')
    .select(['action', 'target_id', 'details'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    action: r.action,
    target_id: r.target_id,
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as AuditRow['details'],
  }));
}

/**
 * Sink hooks that count messages in flight: from the RCPT the server accepted to the moment it answers
 * the end of DATA (after the scripted latency). `max` is the most the server ever held at once.
 */
export function inFlightMeter(): Pick<SmtpSinkOptions, 'failRcpt' | 'failData'> & {
  readonly max: number;
  readonly now: number;
} {
  let now = 0;
  let max = 0;
  return {
    failRcpt: () => {
      now += 1;
      max = Math.max(max, now);
      return undefined;
    },
    failData: () => {
      now -= 1;
      return undefined;
    },
    get max() {
      return max;
    },
    get now() {
      return now;
    },
  };
}
