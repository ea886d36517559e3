// On an engine with one connection (PGlite), an outcome batch that falls due while a planning statement
// runs waits behind it, and the crash window (KIGEN_OUTCOME_FLUSH_MS) grew by that statement and the ones
// after it: 3.7-3.9 s against 2 s were measured. PGlite also runs each statement on the main thread, so no
// write can happen during one: the window there is the longer of KIGEN_OUTCOME_FLUSH_MS and the longest
// statement (README). Here every statement the run issues on that connection first writes what the
// buffer holds (so outcomes never queue behind planning), and its duration tells the buffer how much
// earlier to start a batch that falls due in the middle of one.
import type { OutcomeBuffer } from './outcome-buffer.ts';
import type { PlanReader, RunStore } from './ports.ts';

type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : T[K];
};

function outcomesFirst<T extends object>(target: T, names: readonly (keyof T)[], buffer: OutcomeBuffer): T {
  const wrapped = { ...target } as AsyncMethods<T>;
  for (const name of names) {
    const method = target[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
      // PGlite runs a statement on the main thread: the process stands still meanwhile. One turn of the
      // event loop first lets the replies that arrived during the previous statement be read and their
      // outcomes buffered; otherwise back-to-back statements starve them (4 statements' worth was measured).
      await new Promise((resolve) => setImmediate(resolve));
      await buffer.flush();
      const started = performance.now();
      try {
        return await method.apply(target, args);
      } finally {
        buffer.expectQueueing(performance.now() - started);
      }
    };
  }
  return wrapped as T;
}

/** The reader and store the run uses: on a one-connection store, outcomes go ahead of each statement. */
export function outcomesAheadOfPlanning(
  reader: PlanReader,
  store: RunStore,
  buffer: OutcomeBuffer,
): { reader: PlanReader; store: RunStore } {
  if (!store.oneConnection) return { reader, store };
  return {
    reader: outcomesFirst(
      reader,
      ['officeChunk', 'staffForOffices', 'latestCycles', 'pushSubscriptions'],
      buffer,
    ),
    store: outcomesFirst(store, ['insertDeliveries', 'pendingDeliveries'], buffer),
  };
}
