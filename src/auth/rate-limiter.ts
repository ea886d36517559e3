// A fixed-window counter per key, in memory (one server process). Several servers would each count
// on their own: put them behind one proxy that limits too, or share a store (not built).
export interface RateLimiter {
  /** Counts one hit for `key`; returns 0 when allowed, or the seconds until the window resets. */
  hit(key: string): number;
}

export function createRateLimiter(opts: {
  limit: number;
  windowMs: number;
  now?: () => number;
  /** Most keys remembered; the oldest windows are dropped first. Default 100,000. */
  maxKeys?: number;
}): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= opts.windowMs) {
        windows.delete(key);
        w = { start: t, count: 0 };
        windows.set(key, w);
        // Maps keep insertion order: the first keys are the oldest windows.
        while (windows.size > maxKeys) {
          const oldest = windows.keys().next().value;
          if (oldest === undefined) break;
          windows.delete(oldest);
        }
      }
      w.count += 1;
      return w.count <= opts.limit ? 0 : Math.max(1, Math.ceil((w.start + opts.windowMs - t) / 1000));
    },
  };
}
