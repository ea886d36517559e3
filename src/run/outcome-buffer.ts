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
  /**
   * On one shared connection a batch waits behind the statement running when it is due: `ms` is the
   * longest such statement seen, and batches are started that much earlier (the longest wins).
   */
  expectQueueing(ms: number): void;
}

export function createOutcomeBuffer(
  store: Pick<RunStore, 'recordOutcomes'>,
  opts: { maxItems: number; maxDelayMs: number; onError: (error: unknown) => void },
): OutcomeBuffer {
  let outcomes: DeliveryOutcome[] = [];
  let audits: AttemptAudit[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  // What a batch may spend queued behind another statement, and its own write, once it is due.
  let queueingMs = 0;
  let writeMs = 0;
  // Never 0: a batch still gathers what finishes at about the same time.
  const delay = () => Math.max(opts.maxDelayMs / 10, opts.maxDelayMs - queueingMs - writeMs);

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (outcomes.length === 0 && audits.length === 0) return writing;
    const batch = { outcomes, audits };
    outcomes = [];
    audits = [];
    // Batches are written one after another so their order in the audit log is the order of events.
    writing = writing
      .then(async () => {
        const started = performance.now();
        await store.recordOutcomes(batch.outcomes, batch.audits);
        writeMs = Math.max(writeMs, performance.now() - started);
      })
      .catch((error) => {
        opts.onError(error);
      });
    return writing;
  };
  const added = () => {
    if (outcomes.length >= opts.maxItems) void flush();
    else if (!timer) {
      timer = setTimeout(() => void flush(), delay());
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
        timer = setTimeout(() => void flush(), delay());
        timer.unref();
      }
    },
    flush,
    close: flush,
    expectQueueing(ms) {
      queueingMs = Math.max(queueingMs, ms);
    },
  };
}
