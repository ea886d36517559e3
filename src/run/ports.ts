// What the run needs from storage, as small interfaces. db/ implements them; the run never sees SQL.
import type { FailureKind } from '../channels/channel.ts';
import type {
  CalendarDate,
  ChannelName,
  LatestCycle,
  Notice,
  Office,
  PushSubscriptionRecord,
  StaffRecord,
  ThresholdDays,
} from '../domain/types.ts';

export type DataScope = 'production' | 'test';

/** The read path: each method is one statement over a bounded chunk. */
export interface PlanReader {
  /** The next keyset chunk of live offices; with `officeIds`, only those (a preview, one office's alerts). */
  officeChunk(afterId: string | null, limit: number, officeIds?: readonly string[]): Promise<Office[]>;
  staffForOffices(officeIds: readonly string[]): Promise<StaffRecord[]>;
  latestCycles(
    officeIds: readonly string[],
    runDate: CalendarDate,
    windowDays: number,
  ): Promise<LatestCycle[]>;
  pushSubscriptions(staffIds: readonly string[]): Promise<PushSubscriptionRecord[]>;
  /**
   * One live office and its latest cycles (as officeChunk and latestCycles read them) in one statement,
   * for one office's alerts; optional: without it, officeAlerts makes those two reads.
   */
  officeWithLatestCycles?(
    officeId: string,
    runDate: CalendarDate,
    windowDays: number,
  ): Promise<{ office: Office; cycles: LatestCycle[] } | null>;
  /** Offices the plan will walk (for a progress bar's known total); optional. */
  countOffices?(): Promise<number>;
}

export type DeliveryPayload =
  | { channel: 'email'; notice: Notice }
  | {
      channel: 'push';
      notice: Notice;
      subscription: PushSubscriptionRecord;
      pushThresholdDays: ThresholdDays;
    };

/** One message to send: (date, staff, channel, device, office) is unique, so it is sent at most once. */
export interface PlannedDelivery {
  staffId: string;
  channel: ChannelName;
  /** '' for email; the push subscription id. */
  device: string;
  /** '' for a digest; the office id when the notice covers one office. */
  officeKey: string;
  payload: DeliveryPayload;
}

export interface PendingDelivery extends PlannedDelivery {
  id: string;
  /** Attempts made by earlier runs of the same date. */
  attempts: number;
}

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The end of one delivery in this run, and the audit rows of its attempts. */
export interface DeliveryOutcome {
  id: string;
  status: DeliveryStatus;
  /** Attempts made in this run. */
  attempts: number;
  errorKind?: FailureKind;
  errorCode?: string;
  errorReason?: string;
  sentAt?: Date;
  /** The sender account that sent the email (several accounts in one process); recorded for its quota. */
  sender?: string;
  /** 404/410 from the push service: delete this subscription if its endpoint still matches. */
  goneSubscription?: { id: string; endpoint: string };
}

export interface AttemptAudit {
  deliveryId: string;
  staffId: string;
  officeId: string | null;
  action: string;
  details: Record<string, unknown>;
}

export interface RunRow {
  id: string;
  runDate: CalendarDate;
  scope: DataScope;
  status: string;
  attempts: number;
  owner: string | null;
}

export interface RunStore {
  /** Inserts the run row for (date, scope) or returns the existing one. */
  claim(runDate: CalendarDate, scope: DataScope, owner: string): Promise<{ run: RunRow; created: boolean }>;
  /**
   * A lock the database drops by itself if this process dies; null when another process holds it.
   * `onLost` is called when the lock's connection is lost (the lock is gone then).
   */
  lock(run: RunRow, onLost?: (error: Error) => void): Promise<(() => Promise<void>) | null>;
  /**
   * The recorded state of planned deliveries of a date (one statement): for each one already recorded,
   * its position in `deliveries`, status and error kind.
   */
  ledgerStatuses(
    runDate: CalendarDate,
    deliveries: readonly PlannedDelivery[],
  ): Promise<Array<{ i: number; status: DeliveryStatus; errorKind: string | null }>>;
  /** The run row of (date, scope), if any run (or skip) of the date was recorded. */
  findRun(runDate: CalendarDate, scope: DataScope): Promise<RunRow | null>;
  /** The run row as it is now (null if it is gone): who owns it and in which state. */
  runRow(runId: string): Promise<RunRow | null>;
  /** Marks a resumed run as running again under this owner. */
  resume(run: RunRow, owner: string): Promise<void>;
  recordSkip(runDate: CalendarDate, scope: DataScope, reason: string): Promise<void>;
  finish(runId: string, status: 'completed' | 'failed' | 'interrupted', summary: unknown): Promise<void>;
  /** One multi-row INSERT … ON CONFLICT DO NOTHING; returns the rows that were new, with their ids. */
  insertDeliveries(run: RunRow, deliveries: readonly PlannedDelivery[]): Promise<PendingDelivery[]>;
  /** Transient failures of an earlier attempt become pending again; returns how many. */
  requeueFailed(runId: string): Promise<number>;
  /** Pending deliveries after `afterId`, by id. */
  pendingDeliveries(runId: string, afterId: string | null, limit: number): Promise<PendingDelivery[]>;
  /** One statement: the outcomes, their audit rows, and the deletion of gone subscriptions. */
  recordOutcomes(outcomes: readonly DeliveryOutcome[], audits: readonly AttemptAudit[]): Promise<void>;
  /** Counts of the run's deliveries by channel and status. */
  tally(runId: string): Promise<Array<{ channel: ChannelName; status: DeliveryStatus; count: number }>>;
  /** Emails sent in the last 24 hours, whatever the data scope: the sender account's quota is shared. */
  emailsSentSince(hours: number): Promise<number>;
  /**
   * Emails each sender account used in the last 24 h (sent, or leased by a worker), by name; the
   * first account also counts emails sent without a recorded sender.
   */
  senderUsage(
    senders: ReadonlyArray<{ name: string; includeUnnamed: boolean }>,
  ): Promise<Map<string, number>>;
  /** The run's failed deliveries (first `limit`, by id) with their address, offices and reason. */
  failedDeliveries(runId: string, limit: number): Promise<FailedDeliveryRow[]>;
  /**
   * True when the store has one connection that outcome writes share with planning (PGlite): the run
   * then writes buffered outcomes before each planning statement, so they never wait behind one.
   */
  readonly oneConnection?: boolean;
}

/** A delivery of the date that failed, as the store has it (the address is not masked yet). */
export interface FailedDeliveryRow {
  channel: ChannelName;
  email: string;
  offices: string[];
  errorKind: string | null;
  errorCode: string | null;
  errorReason: string | null;
}
