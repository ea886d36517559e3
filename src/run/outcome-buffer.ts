// Outcomes and audit rows are written in batches: one statement per batch, never one per message.
// A batch goes out when it is full or when its oldest entry has waited `maxDelayMs`; what a crash
// loses is at most that window, and those messages are the only ones a rerun may send twice.
import type { AttemptAudit, DeliveryOutcome, RunStore } from './ports.ts';

export interface OutcomeBuffer {
  outcome(outcome: DeliveryOutcome): void;
  audit(audit: AttemptAudit): void;
  /** Writes whatever is buffered; resolves when it is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createOutcomeBuffer(
  store: Pick<RunStore, 'recordOutcomes'>,
  opts: { maxItems: number; maxDelayMs: number; onError: (error: unknown) => void },
): OutcomeBuffer {
  let outcomes: DeliveryOutcome[] = [];
  let audits: AttemptAudit[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (outcomes.length === 0 && audits.length === 0) return writing;
    const batch = { outcomes, audits };
    outcomes = [];
    audits = [];
    // Batches are written one after another so their order in the audit log is the order of events.
    writing = writing
      .then(() => store.recordOutcomes(batch.outcomes, batch.audits))
      .catch((error) => {
        opts.onError(error);
      });
    return writing;
  };
  const added = () => {
    if (outcomes.length >= opts.maxItems) void flush();
    else if (!timer) {
      timer = setTimeout(() => void flush(), opts.maxDelayMs);
      timer.unref();
    }
  };
  return {
    outcome(outcome) {
      outcomes.push(outcome);
      added();
    },
    audit(audit) {
      audits.push(audit);
      // Audits alone do not fill a batch (each final outcome carries its own), but they do start the clock.
      if (!timer) {
        timer = setTimeout(() => void flush(), opts.maxDelayMs);
        timer.unref();
      }
    },
    flush,
    close: flush,
  };
}
