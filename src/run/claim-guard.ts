// Keeps the claim of a run for as long as the run works on it. On PostgreSQL the claim is an advisory
// lock held by one connection; if that connection is lost (server restart, pg_terminate_backend), the
// database releases the lock, and another process may take the date. The guard then stops new sends,
// takes the lock again on a new connection and checks that the run row is still this process's; only
// then do sends go on. If another process has the date, or the database stays out of reach, it gives up:
// the run stops like an interrupted one (messages in flight finish and are recorded, the rest stay pending).
import type { Logger } from '../logger.ts';
import type { Clock } from './limits.ts';
import type { RunRow, RunStore } from './ports.ts';

export interface ClaimGuard {
  /** undefined while the claim is held; else a promise that settles when it is held again or given up. */
  ready(): Promise<void> | undefined;
  /** Why the claim was given up, once it was. */
  readonly lostReason: string | null;
  /** True when another process has worked on the date since: its run row is not this run's to finish. */
  readonly takenOver: boolean;
  release(): Promise<void>;
}

export interface ClaimGuardOptions {
  store: Pick<RunStore, 'lock' | 'runRow'>;
  run: RunRow;
  owner: string;
  logger: Logger;
  clock: Clock;
  /** Called once when the claim is given up: the run must stop sending. */
  onGiveUp: (reason: string) => void;
  /** How long to keep trying to reconnect, in ms. Default 30 s. */
  retryForMs?: number;
}

/** Takes the claim's lock; null when another process holds it. */
export async function holdClaim(opts: ClaimGuardOptions): Promise<ClaimGuard | null> {
  const { store, run, owner, logger, clock } = opts;
  const retryForMs = opts.retryForMs ?? 30_000;
  let release: (() => Promise<void>) | null = null;
  let waiting: { promise: Promise<void>; resolve: () => void } | null = null;
  let lostReason: string | null = null;
  let takenOver = false;
  let released = false;

  const giveUp = (reason: string) => {
    lostReason = reason;
    logger.error({ reason }, 'run claim lost: stopping the run');
    opts.onGiveUp(reason);
    waiting?.resolve();
    waiting = null;
  };

  const regain = async () => {
    const deadline = clock.now() + retryForMs;
    let delay = 100;
    for (;;) {
      if (released) return;
      try {
        const again = await store.lock(run, onLost);
        if (!again) {
          takenOver = true;
          return giveUp(
            `the database connection holding the claim of ${run.runDate} was lost and another kigen process has taken the date over`,
          );
        }
        if (released) {
          await again().catch(() => {});
          return;
        }
        const row = await store.runRow(run.id);
        if (!row || row.owner !== owner || row.status !== 'running') {
          takenOver = true;
          await again().catch(() => {});
          return giveUp(
            `the database connection holding the claim of ${run.runDate} was lost and another kigen process worked on the date meanwhile`,
          );
        }
        release = again;
        logger.warn('database connection restored; run claim taken again, sending goes on');
        waiting?.resolve();
        waiting = null;
        return;
      } catch (error) {
        if (clock.now() + delay > deadline) {
          return giveUp(
            `the database connection holding the claim of ${run.runDate} was lost and could not be restored within ${Math.round(retryForMs / 1000)} s (${(error as Error).message})`,
          );
        }
        await clock.sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  };

  function onLost(error: Error) {
    // One regain at a time: a loss reported again while regaining is the same loss.
    if (released || lostReason || waiting) return;
    logger.warn(
      { err: { message: error.message, code: (error as { code?: string }).code } },
      'database connection holding the run claim lost; pausing sends and reconnecting',
    );
    // The dead connection goes back to the pool, which discards it (pool.end() would wait for it forever).
    void release?.().catch(() => {});
    release = null;
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    waiting = { promise, resolve };
    void regain();
  }

  release = await store.lock(run, onLost);
  if (!release) return null;
  return {
    ready: () => waiting?.promise,
    get lostReason() {
      return lostReason;
    },
    get takenOver() {
      return takenOver;
    },
    async release() {
      released = true;
      waiting?.resolve();
      const r = release;
      release = null;
      await r?.();
    },
  };
}
