// Runs started inside a long-lived process (`kigen serve`): by its schedule or by an operator
// through the API. One run at a time per process; the run's own claim keeps other processes out.
import type { RunSummary } from '../run/summary.ts';
import { ServiceError } from './service-errors.ts';

/** One run for a date, as `kigen run` does it (the CLI passes its own executeRun). */
export type RunForDate = (
  runDate: string,
  options: { force: boolean },
  signal: AbortSignal,
) => Promise<RunSummary>;

export interface RunRunner {
  /** Starts a run in the background; throws `conflict` while another one is running here. */
  start(runDate: string, options: { force: boolean }, trigger: string): { runDate: string };
  /** The date being run right now, if any. */
  current(): string | null;
  /** Stops: the run in flight drains (in-flight messages finish and are recorded), then resolves. */
  close(): Promise<void>;
}

export function createRunRunner(opts: {
  run: RunForDate;
  onDone?: (runDate: string, trigger: string, outcome: { summary?: RunSummary; error?: unknown }) => void;
}): RunRunner {
  const controller = new AbortController();
  let running: { runDate: string; done: Promise<void> } | null = null;
  return {
    start(runDate, options, trigger) {
      if (controller.signal.aborted) {
        throw new ServiceError(
          'unavailable',
          'SHUTTING_DOWN',
          'the server is shutting down; try again later',
        );
      }
      if (running) {
        throw new ServiceError(
          'conflict',
          'RUN_IN_PROGRESS',
          `a run for ${running.runDate} is in progress in this server; wait for it to finish`,
        );
      }
      const done = opts
        .run(runDate, options, controller.signal)
        .then(
          (summary) => opts.onDone?.(runDate, trigger, { summary }),
          (error: unknown) => opts.onDone?.(runDate, trigger, { error }),
        )
        .finally(() => {
          running = null;
        });
      running = { runDate, done };
      return { runDate };
    },
    current: () => running?.runDate ?? null,
    async close() {
      controller.abort();
      await running?.done;
    },
  };
}
