// kigen worker as real processes on PostgreSQL, with the loopback SMTP sink as the judge: 1, 2 and 4
// workers each deliver every message exactly once; a worker killed with SIGKILL loses nothing; SIGTERM
// hands work back; a sender's rate and quota hold across workers, measured at the SMTP server.
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { QUICK_WORKER_ENV } from '../helpers/worker-env.ts';
import {
  type CliResult,
  type CliTarget,
  cliTarget,
  digestIds,
  startNode,
  startRun,
} from '../run/cli-process.ts';
import { messageIdCounts, RUN_DATE } from '../run/harness.ts';

const EXPECTED = 40;
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

const QUICK = { ...QUICK_WORKER_ENV, KIGEN_CHUNK_SIZE: '1' };

interface Worker {
  child: ChildProcess;
  result: Promise<CliResult>;
}

describe.skipIf(!onPostgres)('kigen worker processes on PostgreSQL', () => {
  const sink = smtpSinksPerTest();
  const targets: CliTarget[] = [];
  const workers: Worker[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0))
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    for (const t of targets.splice(0)) await t.close();
  });

  async function prepare() {
    const target = await cliTarget('postgres', RUN_DATE);
    targets.push(target);
    return target.prepare();
  }

  /** Starts a worker and resolves once it is polling. */
  async function startWorker(env: Record<string, string>, command = 'worker'): Promise<Worker> {
    const w = startNode('src/cli/main.ts', [command], { ...QUICK, ...env });
    workers.push(w);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${seen}`)), 60_000);
      w.child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/job queue/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      });
      w.child.once('exit', () => reject(new Error(`worker exited:\n${seen}`)));
    });
    return w;
  }

  async function stopAll(signal: NodeJS.Signals = 'SIGTERM'): Promise<CliResult[]> {
    const running = workers.splice(0);
    for (const w of running) w.child.kill(signal);
    return Promise.all(running.map((w) => w.result));
  }

  const followRun = (env: Record<string, string>) =>
    startRun(['--date', RUN_DATE, '--via-workers', '--json'], { ...QUICK, ...env }).result;

  it.each([1, 2, 4])(
    '%i worker(s) deliver every message exactly once',
    async (n) => {
      const prepared = await prepare();
      const server = await sink();
      const env = { ...prepared.env, SMTP_URL: server.url, KIGEN_SEND_CONCURRENCY: '4' };
      await Promise.all(Array.from({ length: n }, () => startWorker(env)));
      const run = await followRun(env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json?.status).toBe('completed');
      expect(run.json?.totals?.email).toEqual({ pending: 0, sent: EXPECTED, failed: 0, skipped: 0 });
      const counts = messageIdCounts(server);
      expect(server.count).toBe(EXPECTED);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      expect(new Set(counts.keys())).toEqual(new Set(digestIds(RUN_DATE, prepared.staff)));
      const stopped = await stopAll();
      expect(stopped.map((r) => r.code)).toEqual(Array(n).fill(0));
    },
    180_000,
  );

  it('a worker killed with SIGKILL mid-send loses nothing; duplicates stay within its messages in flight', async () => {
    const prepared = await prepare();
    const server = await sink({ latencyMs: 150 });
    const env = {
      ...prepared.env,
      SMTP_URL: server.url,
      KIGEN_SEND_CONCURRENCY: '4',
      SMTP_POOL_SIZE: '4',
      KIGEN_CHUNK_SIZE: '4',
    };
    const first = await startWorker(env);
    const run = followRun(env);
    await server.waitForCount(6, 30_000);
    first.child.kill('SIGKILL');
    await first.result;
    const atKill = server.count;
    await startWorker(env);
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    const counts = messageIdCounts(server);
    expect(new Set(counts.keys())).toEqual(new Set(digestIds(RUN_DATE, prepared.staff)));
    const duplicates = server.count - EXPECTED;
    // In flight at the kill (≤ 4) plus those finished within the last outcome batch (100 ms ≈ 3 at this latency).
    expect(duplicates).toBeLessThanOrEqual(7);
    expect(atKill).toBeLessThan(EXPECTED);
    await stopAll();
  }, 180_000);

  it('SIGTERM finishes in-flight sends, records them, hands the rest back and exits 0; another worker finishes', async () => {
    const prepared = await prepare();
    const server = await sink({ latencyMs: 200 });
    const env = {
      ...prepared.env,
      SMTP_URL: server.url,
      KIGEN_SEND_CONCURRENCY: '2',
      SMTP_POOL_SIZE: '2',
      KIGEN_CHUNK_SIZE: '4',
    };
    const first = await startWorker(env);
    const run = followRun(env);
    await server.waitForCount(4, 30_000);
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exited = await first.result;
    expect(exited.code, exited.stderr).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
    workers.splice(workers.indexOf(first), 1);
    const { db } = await prepared.open();
    const rows = await sql<{ sent: number; held: number }>`
      SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
             count(*) FILTER (WHERE status = 'pending' AND lease_owner IS NOT NULL)::int AS held
        FROM deliveries`.execute(db.k);
    // Every message the server took is recorded, and nothing stays leased by the stopped worker.
    expect(rows.rows[0]).toEqual({ sent: server.count, held: 0 });
    expect(server.count).toBeLessThan(EXPECTED);
    await startWorker(env);
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    expect(server.count).toBe(EXPECTED);
    expect([...messageIdCounts(server).values()].every((c) => c === 1)).toBe(true);
    await stopAll();
  }, 180_000);

  it('three workers sharing a sender limited to 5/s never exceed 5 (+1 burst) in any one-second window at the server', async () => {
    const prepared = await prepare();
    const server = await sink();
    const env = { ...prepared.env, SMTP_URL: server.url, KIGEN_SEND_RATE: '5', KIGEN_SEND_CONCURRENCY: '1' };
    // One message in flight: a loaded test process that stalls its SMTP server would otherwise accept
    // several in-flight messages at once and measure its own stall, not the senders' rate.
    await Promise.all([startWorker(env), startWorker(env), startWorker(env)]);
    const run = await followRun(env);
    expect(run.code, run.stderr).toBe(0);
    expect(server.count).toBe(EXPECTED);
    const times = server.acceptedAt;
    let worst = 0;
    for (const t of times) worst = Math.max(worst, times.filter((u) => u >= t && u < t + 1000).length);
    expect(worst).toBeLessThanOrEqual(6);
    // The limit is not met by sending far slower: 40 emails at 5/s take about 8 s.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeLessThan(30_000);
    await stopAll();
  }, 180_000);

  it('two sender accounts with quotas 12 and 13 across three workers send exactly 25 and say the rest stays pending', async () => {
    const prepared = await prepare();
    const a = await sink();
    const b = await sink();
    const senders = JSON.stringify([
      { name: 'a', url: a.url, from: 'A <a@kigen.example.jp>', dailyQuota: 12 },
      { name: 'b', url: b.url, from: 'B <b@kigen.example.jp>', dailyQuota: 13 },
    ]);
    const env = { ...prepared.env, KIGEN_SENDERS: senders };
    await Promise.all([startWorker(env), startWorker(env), startWorker(env)]);
    const run = await followRun(env);
    expect(run.code, run.stderr).toBe(1);
    expect(a.count).toBe(12);
    expect(b.count).toBe(13);
    expect(a.messages.every((m) => m.from?.value[0]?.address === 'a@kigen.example.jp')).toBe(true);
    expect(b.messages.every((m) => m.from?.value[0]?.address === 'b@kigen.example.jp')).toBe(true);
    const ids = [...messageIdCounts(a).keys(), ...messageIdCounts(b).keys()];
    expect(new Set(ids).size).toBe(25);
    expect(run.json?.totals?.email).toEqual({ pending: 15, sent: 25, failed: 0, skipped: 0 });
    expect(run.json?.message).toMatch(/quota/);
    // The next run of the date finds no quota left either: nothing more is sent.
    const again = await followRun(env);
    expect(again.code).toBe(1);
    expect(a.count + b.count).toBe(25);
    await stopAll();
  }, 180_000);

  it('a worker with KIGEN_METRICS_PORT serves its send counters and the queue at /metrics, and --json reports what it did', async () => {
    const prepared = await prepare();
    const server = await sink();
    const env = { ...prepared.env, SMTP_URL: server.url, KIGEN_METRICS_PORT: '0' };
    const w = startNode('src/cli/main.ts', ['worker', '--json'], { ...QUICK, ...env });
    workers.push(w);
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`no metrics listener:\n${seen}`)), 60_000);
      w.child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /metrics: (http:\/\/\S+)/.exec(seen);
        if (m && /job queue/.test(seen)) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    const run = await followRun(env);
    expect(run.code, run.stderr).toBe(0);
    let text = await (await fetch(url)).text();
    expect(text).toMatch(/^kigen_deliveries_total\{channel="email",status="sent"\} 40$/m);
    // pg-boss lists a process's workers from its first instance heartbeat (every 30 s) on.
    for (let i = 0; i < 90 && !/^kigen_queue_workers 1$/m.test(text); i++) {
      await new Promise((r) => setTimeout(r, 500));
      text = await (await fetch(url)).text();
    }
    expect(text).toMatch(/^kigen_queue_workers 1$/m);
    expect(text).toMatch(/^kigen_queue_dead_letters 0$/m);
    for (const state of ['ready', 'deferred', 'active', 'failed'])
      expect(text).toMatch(
        new RegExp(`^kigen_queue_jobs\\{queue="kigen-send-email",state="${state}"\\} \\d+$`, 'm'),
      );
    const [stopped] = await stopAll();
    expect(stopped?.code, stopped?.stderr).toBe(0);
    const summary = JSON.parse(stopped?.stdout ?? '{}').worker;
    expect(summary.sent).toEqual({ email: EXPECTED, push: 0 });
    expect(summary.jobs.sendEmail).toBeGreaterThanOrEqual(1);
    expect(summary.jobs.plan).toBeGreaterThanOrEqual(1);
    expect(summary.statements.write).toBeGreaterThan(0);
    expect(summary.statementsPerJob).toBeGreaterThan(0);
    expect(summary.cpuMsPerEmail).toBeGreaterThan(0);
  }, 180_000);

  it('kigen worker and kigen queue refuse the embedded database with exit code 2', async () => {
    const r = await startNode('src/cli/main.ts', ['worker'], { KIGEN_DATA_DIR: '/nonexistent/kigen' }).result;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs PostgreSQL: set DATABASE_URL/);
  });
});
