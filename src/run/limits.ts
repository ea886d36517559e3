// Concurrency and rate limits of the delivery phase. Time is injected so tests can pin the clock.

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** At most `limit` holders at once; waiters are served in arrival order. */
export class Semaphore {
  #free: number;
  #waiting: Array<() => void> = [];
  constructor(limit: number) {
    this.#free = limit;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    };
  }
}

/**
 * A token bucket: `ratePerSecond` sends a second on average, bursts up to `burst`.
 * A rate of 0 means unlimited. take() resolves when a token is available, in arrival order.
 * The default burst is 50 ms worth of tokens (at least one), so any one-second window holds at most
 * about rate × 1.05 sends: a provider's "N per second" limit holds from the first second on. A burst of
 * a whole second (the bucket starting full at `rate`) would send twice the rate in the first second.
 */
export function createTokenBucket(
  ratePerSecond: number,
  clock: Clock,
  burst = Math.max(1, Math.ceil(ratePerSecond * 0.05)),
) {
  let tokens = burst;
  let last = clock.now();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * ratePerSecond);
    last = now;
  };
  return {
    take(signal?: AbortSignal): Promise<void> {
      if (ratePerSecond <= 0) return Promise.resolve();
      const turn = queue.then(async () => {
        refill();
        while (tokens < 1 && !signal?.aborted) {
          await clock.sleep(((1 - tokens) / ratePerSecond) * 1000, signal);
          refill();
        }
        tokens -= 1;
      });
      queue = turn.catch(() => {});
      return turn;
    },
  };
}
export type TokenBucket = ReturnType<typeof createTokenBucket>;
