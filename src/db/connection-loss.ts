// A PostgreSQL connection can be lost mid-run (a server restart, a failover, pg_terminate_backend, a
// network blip). The pool replaces dead connections by itself; what a lost connection ended is one
// statement, which failed before it committed. Those statements are retried here, a bounded number
// of times, so a short loss costs a pause instead of the run.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * SQLSTATEs and socket errors that mean "the connection is gone", not "the statement is wrong":
 * admin_shutdown, crash_shutdown, cannot_connect_now, and class 08 (connection exception).
 */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const LOST_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
]);
/**
 * pg reports a socket that closed under a query, and a client used after that, with these errors and no
 * code at all: the only place kigen looks at an error's text, because pg gives nothing else.
 */
const PG_CODELESS_LOSS = [
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated',
];

export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') {
    return LOST_SQLSTATES.has(e.code) || e.code.startsWith('08') || LOST_SOCKET_CODES.has(e.code);
  }
  return typeof e.message === 'string' && PG_CODELESS_LOSS.includes(e.message);
}

/** Pauses between tries after a lost connection, in ms: about 8 s in all before giving up. */
export const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 4000] as const;

/** Runs `fn`; when it fails on a lost connection, runs it again after each pause of `delays`. */
export async function retryOnConnectionLoss<T>(
  fn: () => Promise<T>,
  delays: readonly number[] = RECONNECT_DELAYS_MS,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (error) {
      const delay = delays[i];
      if (delay === undefined || !isConnectionLoss(error)) throw error;
      await sleep(delay);
    }
  }
}

/** The same object with every method retried on a lost connection (each method must be safe to repeat). */
export function retryingMethods<T extends object>(target: T, delays?: readonly number[]): T {
  const wrapped = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = (...args: unknown[]) => retryOnConnectionLoss(() => method.apply(target, args), delays);
  }
  return wrapped as T;
}
