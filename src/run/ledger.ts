// What the ledger (the deliveries recorded for a date) says, for the summary: the failed deliveries it
// names, and, in a dry run, what a real run would send now.
import { maskEmail } from '../domain/mask.ts';
import type { PlannedDelivery, RunStore } from './ports.ts';
import type { FailedDelivery, RunSummary } from './summary.ts';

/** How many failed deliveries a summary names; the rest are counted in totals. */
const FAILED_LISTED = 100;

export async function failedDeliveriesOf(store: RunStore, runId: string): Promise<FailedDelivery[]> {
  return (await store.failedDeliveries(runId, FAILED_LISTED)).map((f) => ({
    channel: f.channel,
    to: maskEmail(f.email),
    offices: f.offices,
    kind: f.errorKind,
    code: f.errorCode,
    reason: f.errorReason,
  }));
}

/**
 * What a real run would do with each planned delivery of a dry run: new ones and pending ones are sent,
 * failed ones are retried unless they failed for good, sent and skipped ones are not sent again.
 */
export async function countWouldSend(
  store: RunStore,
  runDate: string,
  deliveries: readonly PlannedDelivery[],
  ledger: boolean,
  summary: RunSummary,
): Promise<void> {
  const recorded = ledger ? await store.ledgerStatuses(runDate, deliveries) : [];
  const known = new Map(recorded.map((r) => [r.i, r]));
  deliveries.forEach((d, i) => {
    const row = known.get(i);
    const counts = summary.deliveries[d.channel];
    if (row) counts.alreadyRecorded += 1;
    const sends =
      !row ||
      row.status === 'pending' ||
      (row.status === 'failed' && (row.errorKind === 'transient' || row.errorKind === 'fatal'));
    if (sends) counts.wouldSend = (counts.wouldSend ?? 0) + 1;
  });
}
