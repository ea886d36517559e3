// kigen schedule on PostgreSQL (a pg-boss schedule plus a worker in each instance), and the dead-letter
// queue an operator sees and redrives, as real processes on the loopback SMTP sink.
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { calendarDateIn } from '../../src/domain/calendar-date.ts';
import { openQueue, QUEUES } from '../../src/queue/kigen-queue.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { QUICK_WORKER_ENV } from '../helpers/worker-env.ts';
import { type CliResult, type CliTarget, cliTarget, startNode } from '../run/cli-process.ts';
import { messageIdCounts, RUN_DATE } from '../run/harness.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const QUICK = { ...QUICK_WORKER_ENV };

describe.skipIf(!onPostgres)('the queued schedule and the dead-letter queue on PostgreSQL', () => {
  const sink = smtpSinksPerTest();
  const targets: CliTarget[] = [];
  const started: Array<{ child: ChildProcess; result: Promise<CliResult> }> = [];
  afterEach(async () => {
    for (const p of started.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const t of targets.splice(0)) await t.close();
  });

  function start(command: string, env: Record<string, string>) {
    const p = startNode('src/cli/main.ts', [command], { ...QUICK, ...env });
    started.push(p);
    return p;
  }

  it('three schedulers started together make one run of the latest 09:00 (Asia/Tokyo) and send each email once', async () => {
    // The date of the latest 09:00 in Tokyo: the catch-up every instance asks for at start.
    const date = calendarDateIn(new Date(Date.now() - 9 * 3600_000), 'Asia/Tokyo');
    const target = await cliTarget('postgres', date);
    targets.push(target);
    const prepared = await target.prepare();
    const server = await sink();
    const env = { ...prepared.env, SMTP_URL: server.url, KIGEN_RETAIN_AUDIT_DAYS: '30', LOG_LEVEL: 'info' };
    const { db } = await prepared.open();
    // Retention runs after the scheduled run (or the skipped day): the old audit row goes, the newer stays.
    await sql`INSERT INTO audit_logs (action, created_at) VALUES
      ('test.old', now() - interval '31 days'), ('test.recent', now() - interval '29 days')`.execute(db.k);
    const schedulers = [start('schedule', env), start('schedule', env), start('schedule', env)];
    let status = 'running';
    for (let i = 0; i < 240 && (status === 'running' || status === 'none'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await sql<{
        status: string;
      }>`SELECT status FROM runs WHERE run_date = ${date}`.execute(db.k);
      status = rows[0]?.status ?? 'none';
    }
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM runs`.execute(db.k);
    expect(runs.rows[0]?.n).toBe(1);
    const jobs = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${QUEUES.run}`.execute(db.k);
    expect(jobs.rows[0]?.n).toBe(1);
    // Today's 09:00 may fall on a weekend or holiday: then the one run is a recorded skip.
    if (status === 'skipped') expect(server.count).toBe(0);
    else {
      expect(status).toBe('completed');
      expect(server.count).toBe(40);
      expect([...messageIdCounts(server).values()].every((n) => n === 1)).toBe(true);
    }
    const testAudit = async () =>
      (
        await sql<{
          action: string;
        }>`SELECT action FROM audit_logs WHERE action LIKE 'test.%' ORDER BY action`.execute(db.k)
      ).rows.map((r) => r.action);
    let audit = await testAudit();
    for (let i = 0; i < 60 && audit.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 500));
      audit = await testAudit();
    }
    expect(audit).toEqual(['test.recent']);
    for (const s of schedulers) s.child.kill('SIGTERM');
    const exits = await Promise.all(schedulers.map((s) => s.result));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    const applied = exits.flatMap((e) =>
      e.stderr.split('\n').filter((l) => l.includes('"msg":"retention applied"')),
    );
    expect(applied).toHaveLength(1);
    expect(JSON.parse(applied[0] ?? '{}').pruned).toMatchObject({ deletedAuditRows: 1 });
  }, 180_000);

  it('a job that keeps failing ends in the dead-letter queue; kigen queue status shows it and redrive moves it back', async () => {
    const target = await cliTarget('postgres', RUN_DATE);
    targets.push(target);
    const prepared = await target.prepare();
    const env = prepared.env;
    const worker = start('worker', env);
    const boss = await openQueue({
      url: env.DATABASE_URL as string,
      heartbeatSeconds: 10,
      monitorSeconds: 1,
      supervise: false,
    });
    try {
      // A send job for a sender no worker knows: it fails on every attempt.
      await boss.send(
        QUEUES.sendEmail,
        { runId: '0', runDate: RUN_DATE, attempt: 1, channel: 'email', sender: 'nobody', ids: ['1'] },
        { retryLimit: 1, retryDelay: 1, singletonKey: 'nobody' },
      );
      let dead = 0;
      for (let i = 0; i < 120 && dead === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        dead = (await boss.findJobs(QUEUES.dead, { queued: true })).length;
      }
      expect(dead).toBe(1);
    } finally {
      await boss.stop({ graceful: false, timeout: 1000 });
    }
    worker.child.kill('SIGTERM');
    expect((await worker.result).code).toBe(0);
    const status = await startNode('src/cli/main.ts', ['queue', 'status', '--json'], env).result;
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).dead).toBe(1);
    const redrive = await startNode('src/cli/main.ts', ['queue', 'redrive'], env).result;
    expect(redrive.stdout).toMatch(/^1 dead-lettered jobs moved back/);
    const after = await startNode('src/cli/main.ts', ['queue', 'status', '--json'], env).result;
    const parsed = JSON.parse(after.stdout);
    expect(parsed.dead).toBe(0);
  }, 180_000);
});
