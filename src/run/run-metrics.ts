// What the delivery phase tells a metrics backend. The Prometheus implementation lives in metrics/;
// the run sees only this port, and without one it reports to the no-op below.
import type { ChannelName } from '../domain/types.ts';

/** How a delivery ended in this run: `deferred` is left pending (stopped, fatal error, quota). */
export const DELIVERY_METRIC_STATUSES = ['sent', 'failed', 'skipped', 'deferred'] as const;
export type DeliveryMetricStatus = (typeof DELIVERY_METRIC_STATUSES)[number];

/** The result of one call to a channel's send(): `gone` is a 404/410 from the push service. */
export const SEND_RESULTS = ['sent', 'transient', 'permanent', 'fatal', 'gone'] as const;
export type SendResult = (typeof SEND_RESULTS)[number];

export interface RunMetrics {
  /** A delivery ended (once per delivery and run). */
  delivery(channel: ChannelName, status: DeliveryMetricStatus): void;
  /** One send attempt: its result and how long channel.send() took. */
  attempt(channel: ChannelName, result: SendResult, seconds: number): void;
  /** Time a send waited for the channel's rate limit (token bucket). */
  rateLimitWait(channel: ChannelName, seconds: number): void;
}

export const noRunMetrics: RunMetrics = {
  delivery() {},
  attempt() {},
  rateLimitWait() {},
};
