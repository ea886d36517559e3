// What the two sink processes share: how they tell the harness they are ready, how they answer a
// request for their counters, and how they stop. A sink is its own process so that its work (TLS,
// SMTP parsing) is not billed to kigen, as it would not be with a real provider.
//
// Protocol (IPC when forked by the harness; stdout lines for anyone running a sink by hand):
//   sink → parent  { type: 'ready', port, ... }        also printed as `SINK_READY {json}`
//   parent → sink  { type: 'stats', id }  → { type: 'stats', id, stats }
//   parent → sink  { type: 'reset', id } → { type: 'stats', id, stats } (the counters before the reset)
//   SIGTERM/SIGINT → prints `SINK_STATS {json}`, closes the server, exits 0.
//   The parent going away (IPC disconnect) stops the sink too, so none outlives a crashed harness.

export const READY_PREFIX = 'SINK_READY ';
export const STATS_PREFIX = 'SINK_STATS ';

export interface SinkReady {
  type: 'ready';
  port: number;
  /** Push sink: PEM file of its self-signed certificate (for NODE_EXTRA_CA_CERTS). */
  caPath?: string;
}

export type SinkRequest = { type: 'stats'; id: number } | { type: 'reset'; id: number };
export interface SinkReply<S> {
  type: 'stats';
  id: number;
  stats: S;
}

/**
 * A number in [0, 1) that depends only on (seed, key): FNV-1a over the text, then a murmur3
 * finalizer. Deterministic across processes and runs, cheap enough for every message.
 */
export function unitHash(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** A share in [0, 1] from a flag value; throws a usage message otherwise. */
export function parseShare(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name}: expected a share between 0 and 1, got "${value}"`);
  return n;
}

export function parseNonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new Error(`--${name}: expected a number ≥ 0, got "${value}"`);
  return n;
}

/**
 * Announces readiness, answers stats/reset requests and stops on a signal or when the parent leaves.
 * `close` should stop accepting and end open connections quickly.
 */
export function serveSink<S extends { cpuMs: number }>(opts: {
  ready: SinkReady;
  /** The sink's counters; serveSink adds `cpuMs`, the CPU this process used since the last reset. */
  stats: () => Omit<S, 'cpuMs'>;
  reset: () => void;
  close: () => Promise<void>;
}): void {
  let cpuAtReset = process.cpuUsage();
  const withCpu = (): S => {
    const cpu = process.cpuUsage(cpuAtReset);
    return { ...structuredClone(opts.stats()), cpuMs: Math.round((cpu.user + cpu.system) / 1000) } as S;
  };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(opts.ready)}\n`);
  process.send?.(opts.ready);
  process.on('message', (raw: unknown) => {
    const msg = raw as Partial<SinkRequest>;
    if (msg.type !== 'stats' && msg.type !== 'reset') return;
    const stats = withCpu();
    if (msg.type === 'reset') {
      opts.reset();
      cpuAtReset = process.cpuUsage();
    }
    process.send?.({ type: 'stats', id: msg.id ?? 0, stats } satisfies SinkReply<S>);
  });
  let stopping = false;
  const stop = (printStats: boolean) => {
    if (stopping) return;
    stopping = true;
    if (printStats) process.stdout.write(`${STATS_PREFIX}${JSON.stringify(withCpu())}\n`);
    // Never hang on a client that keeps a connection open: exit after a short grace period.
    const force = setTimeout(() => process.exit(0), 1500);
    force.unref();
    opts.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', () => stop(true));
  process.on('SIGINT', () => stop(true));
  process.on('disconnect', () => stop(false));
}
