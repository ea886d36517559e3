// pg-boss for the distributed mode: the queues, their options, and deterministic job ids.
// pg-boss is imported only in src/queue/. Jobs are coarse (a run, a chunk of offices, ≤ 500
// deliveries); the deliveries ledger, not the queue, says what was sent.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { PgBoss, type QueueResult } from 'pg-boss';
import { KigenError } from '../config/errors.ts';

export const QUEUES = {
  run: 'kigen-run',
  plan: 'kigen-plan',
  sendEmail: 'kigen-send-email',
  sendPush: 'kigen-send-push',
  watch: 'kigen-run-watch',
  dead: 'kigen-dead',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface QueueConnectOptions {
  url: string;
  /** A job whose worker sends no heartbeat for this long is failed and retried elsewhere. */
  heartbeatSeconds: number;
  /** How often pg-boss looks for such jobs. */
  monitorSeconds: number;
  /** Run pg-boss's cron (kigen schedule) in this instance. */
  schedule?: boolean;
  /** Maintenance (expiry, retention, monitor); off for a short-lived `kigen run --via-workers`. */
  supervise?: boolean;
}

/**
 * Starts pg-boss on its own small pool (4 connections; no LISTEN connection: workers poll) and
 * creates every queue, so no call later reads a cold queue cache.
 */
export async function openQueue(opts: QueueConnectOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: opts.url,
    max: 4,
    instanceName: `kigen@${hostname()}:${process.pid}`,
    supervise: opts.supervise ?? true,
    schedule: opts.schedule ?? false,
    monitorIntervalSeconds: opts.monitorSeconds,
  });
  // pg-boss reports background problems as events; without a listener an 'error' event would throw.
  boss.on('error', () => {});
  try {
    await boss.start();
  } catch (error) {
    throw new KigenError('QUEUE_UNAVAILABLE', `cannot start the job queue: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const heartbeatSeconds = opts.heartbeatSeconds;
  const common = { deadLetter: QUEUES.dead, retryDelay: 1, retryBackoff: true, retryDelayMax: 60 };
  await boss.createQueue(QUEUES.dead);
  await boss.createQueue(QUEUES.run, { ...common, policy: 'singleton', retryLimit: 3, heartbeatSeconds });
  await boss.createQueue(QUEUES.plan, { ...common, retryLimit: 3, heartbeatSeconds, expireInSeconds: 600 });
  // One active email job per sender account (singletonKey = sender), on every machine together: the
  // sender's rate then holds across workers.
  await boss.createQueue(QUEUES.sendEmail, {
    ...common,
    policy: 'singleton',
    retryLimit: 5,
    heartbeatSeconds,
    expireInSeconds: 600,
  });
  await boss.createQueue(QUEUES.sendPush, {
    ...common,
    retryLimit: 5,
    heartbeatSeconds,
    expireInSeconds: 600,
  });
  await boss.createQueue(QUEUES.watch, { ...common, retryLimit: 10 });
  return boss;
}

/** A UUID derived from `key`: inserting a job with it twice is a no-op, so a retried job adds nothing. */
export function jobId(key: string): string {
  const h = createHash('sha256').update(`kigen:${key}`).digest('hex');
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface QueueStatus {
  queues: Array<{
    name: string;
    ready: number;
    deferred: number;
    active: number;
    failed: number;
    total: number;
  }>;
  /** Dead-lettered jobs waiting for an operator. */
  dead: number;
  /** kigen processes working jobs now (those with a live registration and workers). */
  workers: Array<{ name: string; host: string; pid: number }>;
}

/** Queue depth and worker count, for kigen queue status and the distributed run's summary. */
export async function queueStatus(boss: PgBoss): Promise<QueueStatus> {
  const names = Object.values(QUEUES);
  const rows: QueueResult[] = await boss.getQueues(names);
  const byName = new Map(rows.map((q) => [q.name, q]));
  const instances = await boss.getInstances();
  const dead = await boss.findJobs(QUEUES.dead, { queued: true, limit: 100_000 });
  return {
    queues: names
      .filter((n) => n !== QUEUES.dead)
      .map((name) => {
        const q = byName.get(name);
        return {
          name,
          ready: q?.readyCount ?? 0,
          deferred: q?.deferredCount ?? 0,
          active: q?.activeCount ?? 0,
          failed: q?.failedCount ?? 0,
          total: q?.totalCount ?? 0,
        };
      }),
    dead: dead.length,
    workers: instances
      .filter((i) => i.workers.length > 0)
      .map((i) => ({ name: i.name ?? '', host: i.host, pid: i.pid })),
  };
}

/** Moves every dead-lettered job back to the queue it failed on; returns how many. */
export async function redriveDead(boss: PgBoss): Promise<number> {
  return boss.redrive(QUEUES.dead);
}

/** Jobs of a run still queued or running, and its dead-lettered jobs. */
export async function outstandingJobs(boss: PgBoss, runId: string): Promise<{ jobs: number; dead: number }> {
  let jobs = 0;
  for (const name of [QUEUES.plan, QUEUES.sendEmail, QUEUES.sendPush]) {
    const found = await boss.findJobs(name, { data: { runId }, limit: 100_000 });
    jobs += found.filter((j) => j.state === 'created' || j.state === 'retry' || j.state === 'active').length;
  }
  const dead = await boss.findJobs(QUEUES.dead, { data: { runId }, queued: true, limit: 100_000 });
  return { jobs, dead: dead.length };
}

export type { PgBoss };
