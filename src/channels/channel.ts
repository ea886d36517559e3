// The one interface the run sees of a delivery channel. Adapters (nodemailer, web-push) live behind it.
import type { Notice, PushSubscriptionRecord, ThresholdDays } from '../domain/types.ts';

/** How bad a failed attempt is. One place per channel decides it, by code or status, never by text. */
export const FAILURE_KINDS = ['transient', 'permanent', 'fatal'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export type SendOutcome =
  | { status: 'sent'; providerId?: string }
  /** The push service says the subscription no longer exists (404/410): delete it, do not retry. */
  | { status: 'gone'; code: string }
  | {
      status: 'failed';
      kind: FailureKind;
      /** Stable code: SMTP response code or errno (e.g. '421', 'ECONNECTION'), or 'HTTP_503'. */
      code: string;
      /** Human-readable reason, safe to store (no secrets, no full addresses). */
      reason: string;
      /** A hint from the provider (Retry-After), when it gave one. */
      retryAfterMs?: number;
      /** The failure concerns the connection to the provider (refused, DNS, TLS, timeout), not this message. */
      connection?: boolean;
      /**
       * The message was handed over in full and no answer came: it may have arrived. It is not tried again
       * in this run (the next run of the date sends it once more, with the same Message-ID).
       */
      unknownOutcome?: boolean;
    };

export interface EmailMessage {
  /** Stable key of the delivery; the Message-ID is derived from it so a resend can be deduplicated. */
  deliveryKey: string;
  runDate: string;
  notice: Notice;
}

export interface PushMessage {
  deliveryKey: string;
  runDate: string;
  subscription: PushSubscriptionRecord;
  notice: Notice;
  /** The staff member's push threshold, carried in the payload's data. */
  pushThresholdDays: ThresholdDays;
}

export interface Channel<M> {
  send(message: M, signal?: AbortSignal): Promise<SendOutcome>;
  close(): Promise<void>;
}
