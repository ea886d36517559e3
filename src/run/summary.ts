// The run's result as a value: what was planned, sent and left, and how long and how much it took.
// The CLI prints it (table or JSON) and takes its exit code from it.

import type { FailureKind } from '../channels/channel.ts';
import type { ChannelName } from '../domain/types.ts';
import type { FailureCount, FatalError, SenderCounts } from './deliver.ts';

export interface StatementCounts {
  read: number;
  write: number;
  ddl: number;
  other: number;
}

export interface ChannelDeliveries {
  /** Messages the plan holds for this date (new and already recorded). */
  planned: number;
  /** Planned messages that an earlier run of this date had recorded already (not sent again if sent). */
  alreadyRecorded: number;
  sent: number;
  failed: number;
  /** Left pending by this run (stopped, fatal error, quota). */
  pending: number;
  /** Not sent on purpose (push subscription gone). */
  skipped: number;
  attempts: number;
  /** Dry run: what a real run now would send (new, pending, or failed and retried), read from the ledger. */
  wouldSend?: number;
}

export interface ChannelTotals {
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
}

export const emptyTotals = (): ChannelDeliveries => ({
  planned: 0,
  alreadyRecorded: 0,
  sent: 0,
  failed: 0,
  pending: 0,
  skipped: 0,
  attempts: 0,
});

export const RUN_STATUSES = ['completed', 'partial', 'failed', 'skipped', 'busy', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunSummary {
  runDate: string;
  timeZone: string;
  scope: 'production' | 'test';
  mode: 'live' | 'dry-run';
  status: RunStatus;
  /** 0: everything that should go went (or the day was skipped); 1: something failed or was left; 3: busy. */
  exitCode: 0 | 1 | 3;
  message: string;
  /** A non-business day that --force ran anyway. */
  forcedOn?: string;
  skip?: { reason: string; name: string };
  resumed: boolean;
  /** What a resumed run says about the run it resumes (the first line of its message). */
  resumeNote?: string;
  interrupted?: boolean;
  /** Why the run gave up its claim (its database connection was lost and could not be re-taken safely). */
  claimLost?: string;
  offices: number;
  staff: number;
  /** This invocation's work by channel. */
  deliveries: Record<ChannelName, ChannelDeliveries>;
  /** The whole date's deliveries by status, across every run of it. */
  totals?: Record<ChannelName, ChannelTotals>;
  failures: FailureCount[];
  /** Deliveries of the date that ended failed (in any run of it): the first 100, addresses masked. */
  failedDeliveries?: FailedDelivery[];
  fatal?: FatalError;
  push: { enabled: boolean; reason?: string };
  quota?: { dailyQuota: number; usedLast24h: number; remaining: number; deferred: number };
  /** Per sender account (KIGEN_SENDERS in one process): emails sent and failed, quota left (null: none). */
  senders?: SenderCounts[];
  statements: StatementCounts;
  phases: { planMs: number; deliverMs: number; totalMs: number };
  memory: { rssStartBytes: number; rssPeakBytes: number; rssGrowthBytes: number };
  throughput: { messagesPerSecond: number };
  /** Dry run with listNotices and no onNotice callback: every notice that would be sent. */
  notices?: NoticeListing[];
}

/** A failed delivery as the summary names it. */
export interface FailedDelivery {
  channel: ChannelName;
  /** Masked: t***@example.jp. */
  to: string;
  offices: string[];
  kind: string | null;
  code: string | null;
  reason: string | null;
}

/** One notice a dry run would send. */
export interface NoticeListing {
  staffId: string;
  name: string;
  channel: ChannelName;
  device: string | null;
  offices: string[];
  counts: { overdue: number; renewal: number; assessment: number };
}

/** Derives the status, exit code and message from what happened. */
export function statusAndExit(s: RunSummary): Pick<RunSummary, 'status' | 'exitCode' | 'message'> {
  if (s.status === 'skipped') return { status: 'skipped', exitCode: 0, message: s.message };
  if (s.status === 'busy') return { status: 'busy', exitCode: 3, message: s.message };
  const failed = s.deliveries.email.failed + s.deliveries.push.failed;
  const left = s.deliveries.email.pending + s.deliveries.push.pending;
  // From its own field, not from s.message: this runs more than once per summary, and s.message is its output.
  const notes = [s.resumed ? (s.resumeNote ?? '') : ''];
  if (s.fatal) {
    return {
      status: 'failed',
      exitCode: 1,
      message: [...notes, `stopped by a fatal ${s.fatal.channel} error (${s.fatal.code}): ${s.fatal.reason}`]
        .filter(Boolean)
        .join('\n'),
    };
  }
  if (s.interrupted) {
    const why = s.claimLost ? `stopped: ${s.claimLost}` : 'interrupted';
    return {
      status: 'interrupted',
      exitCode: 1,
      message: [...notes, `${why}: ${left} deliveries left pending; run the same date again to finish`]
        .filter(Boolean)
        .join('\n'),
    };
  }
  if (s.quota && s.quota.deferred > 0) {
    notes.push(
      `daily quota of ${s.quota.dailyQuota} emails reached: ${s.quota.deferred} emails left pending for a later run`,
    );
  }
  // Failures of earlier runs of the date are not retried (permanent), but the date is not complete either.
  const dateFailed = s.totals ? s.totals.email.failed + s.totals.push.failed : 0;
  if (failed === 0 && left === 0 && dateFailed > 0) {
    return {
      status: 'partial',
      exitCode: 1,
      message: [
        ...notes,
        `${dateFailed} deliveries of ${s.runDate} failed in an earlier run and are not retried (permanent errors); see the failed deliveries`,
      ]
        .filter(Boolean)
        .join('\n'),
    };
  }
  if (failed > 0 || left > 0) {
    const kinds = new Map<FailureKind, number>();
    for (const f of s.failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + f.count);
    return {
      status: 'partial',
      exitCode: 1,
      message: [
        ...notes,
        `${failed} deliveries failed${left ? `, ${left} left pending` : ''}; see the failures list`,
      ]
        .filter(Boolean)
        .join('\n'),
    };
  }
  return { status: 'completed', exitCode: 0, message: notes.filter(Boolean).join('\n') };
}
