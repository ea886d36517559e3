// How the daily run delivers: retries, permanent and fatal failures, the audit trail of every attempt,
// the daily quota, and real concurrency and rate limits — in-process runDaily over a real database and the
// real email channel against the loopback SMTP sink, scripted to be slow or to answer 4xx/5xx/535.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type Fixtures, type StaffFixture } from '../helpers/fixtures.ts';
import { type SmtpReply, smtpSinksPerTest } from '../helpers/smtp-server.ts';
import {
  addDays,
  auditRows,
  deliveryRows,
  inFlightMeter,
  mailTo,
  messageIdCounts,
  messageIdOf,
  RUN_DATE,
  runOptions,
  runWith,
} from './harness.ts';

const GREYLISTED: SmtpReply = { code: 451, message: 'Greylisted, try again later' };
const NO_SUCH_USER: SmtpReply = { code: 550, message: 'No such user here' };

describe.each(testEngines())('delivery on %s', (engine) => {
  let db: Db & { url?: string };
  let fx: Fixtures;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await truncateAll(db);
    fx = createFixtures(db);
  });

  /** One office with an alert and `n` staff members who all get an email. */
  async function officeWithStaff(n: number, office?: string): Promise<StaffFixture[]> {
    const id = office ?? (await fx.office());
    await fx.recipient({ office: id, deadline: addDays(RUN_DATE, 5) });
    const staff: StaffFixture[] = [];
    for (let i = 0; i < n; i++) staff.push(await fx.staff({ offices: [id] }));
    return staff;
  }

  /** Reads from a connection of its own: what another process would see (PGlite has one connection). */
  async function fromAnotherConnection<T>(query: string): Promise<T[]> {
    if (!db.url) return (await sql.raw<T>(query).execute(db.k)).rows;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(query)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('retries 4xx, fails 5xx at once, caps attempts, and leaves one committed audit row per attempt (mistakes 3, 9)', async () => {
    const [ok, greylisted, refused, stuck] = await officeWithStaff(4);
    const rcpts = new Map<string, number>();
    let healed = false;
    const server = await sink({
      failRcpt: (address) => {
        const n = (rcpts.get(address) ?? 0) + 1;
        rcpts.set(address, n);
        if (healed) return undefined;
        if (address === greylisted?.email && n <= 2) return GREYLISTED;
        if (address === refused?.email) return NO_SUCH_USER;
        if (address === stuck?.email) return GREYLISTED;
        return undefined;
      },
    });

    const summary = await runWith(db, runOptions({ maxAttempts: 3 }), server.url);

    expect(summary).toMatchObject({ status: 'partial', exitCode: 1 });
    expect(summary.deliveries.email).toMatchObject({
      planned: 4,
      sent: 2,
      failed: 2,
      attempts: 1 + 3 + 1 + 3,
    });
    expect(summary.failures).toEqual(
      expect.arrayContaining([
        { channel: 'email', kind: 'transient', code: '451', count: 2 + 3 },
        { channel: 'email', kind: 'permanent', code: '550', count: 1 },
      ]),
    );
    expect(rcpts.get(ok?.email as string)).toBe(1);
    expect(rcpts.get(greylisted?.email as string)).toBe(3);
    expect(rcpts.get(refused?.email as string)).toBe(1);
    expect(rcpts.get(stuck?.email as string)).toBe(3);
    expect(server.messages.map((m) => m.envelope.to[0]).sort()).toEqual(
      [ok?.email, greylisted?.email].sort(),
    );

    const rows = await deliveryRows(db);
    const byStaff = new Map(rows.map((r) => [r.staff_id, r]));
    expect(byStaff.get(greylisted?.id as string)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(byStaff.get(refused?.id as string)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error_kind: 'permanent',
      error_code: '550',
    });
    expect(byStaff.get(stuck?.id as string)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error_kind: 'transient',
      error_code: '451',
    });

    // One audit row per attempt, numbered, visible from a connection of its own (committed).
    const audits = await fromAnotherConnection<{ target_id: string; action: string; attempt: number }>(
      `SELECT target_id, action, (details->>'attempt')::int AS attempt FROM audit_logs ORDER BY id`,
    );
    expect(audits).toHaveLength(8);
    const trail = (s: StaffFixture | undefined) =>
      audits
        .filter((a) => a.target_id === byStaff.get(s?.id as string)?.id)
        .map((a) => `${a.attempt}:${a.action}`);
    expect(trail(ok)).toEqual(['1:notification.email.sent']);
    expect(trail(greylisted)).toEqual([
      '1:notification.email.failed_transient',
      '2:notification.email.failed_transient',
      '3:notification.email.sent',
    ]);
    expect(trail(refused)).toEqual(['1:notification.email.failed_permanent']);
    expect(trail(stuck)).toEqual([
      '1:notification.email.failed_transient',
      '2:notification.email.failed_transient',
      '3:notification.email.failed_transient',
    ]);

    // A rerun retries the transient failure only; the refused address is not tried again.
    healed = true;
    const rerun = await runWith(db, runOptions({ maxAttempts: 3 }), server.url);
    // The refused one is still failed: the date is not complete (exit 1) on this run either.
    expect(rerun).toMatchObject({ resumed: true, status: 'partial', exitCode: 1 });
    expect(rerun.failedDeliveries?.map((f) => f.code)).toEqual(['550']);
    expect(rerun.deliveries.email).toMatchObject({ sent: 1, failed: 0, attempts: 1 });
    expect(rcpts.get(refused?.email as string)).toBe(1);
    expect(mailTo(server, stuck?.email as string)).toHaveLength(1);
    expect((await auditRows(db)).at(-1)).toMatchObject({
      action: 'notification.email.sent',
      details: { attempt: 4 },
    });
  });

  it('wrong SMTP credentials stop the run and leave everything pending; a rerun with the right ones sends it (fatal)', async () => {
    const staff = await officeWithStaff(4);
    const server = await sink({ authRequired: { user: 'kigen', pass: 'right' } });
    const wrongUrl = `smtp://kigen:wrong@127.0.0.1:${server.port}`;

    const failed = await runWith(db, runOptions(), wrongUrl);

    expect(failed).toMatchObject({
      status: 'failed',
      exitCode: 1,
      fatal: { channel: 'email', code: 'EAUTH' },
    });
    expect(failed.message).toMatch(/check the SMTP user and password/);
    expect(failed.deliveries.email.sent).toBe(0);
    expect(server.count).toBe(0);
    expect((await deliveryRows(db)).map((d) => d.status)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    const audits = await auditRows(db);
    expect(audits.length).toBeGreaterThan(0);
    expect(new Set(audits.map((a) => a.action))).toEqual(new Set(['notification.email.failed_fatal']));
    expect(await db.k.selectFrom('runs').select('status').executeTakeFirst()).toEqual({ status: 'failed' });

    const fixed = await runWith(db, runOptions(), `smtp://kigen:right@127.0.0.1:${server.port}`);
    expect(fixed).toMatchObject({ status: 'completed', exitCode: 0, resumed: true });
    expect(fixed.deliveries.email.sent).toBe(4);
    expect(server.messages.map((m) => m.envelope.to[0]).sort()).toEqual(staff.map((s) => s.email).sort());
    expect(server.messages.every((m) => m.authUser === 'kigen')).toBe(true);
  });

  it('stops at the daily quota, leaves the rest pending with exit code 1, and a rerun with more quota sends them (mistake 13)', async () => {
    const staff = await officeWithStaff(8);
    const server = await sink();

    const first = await runWith(db, runOptions({ dailyQuota: 5 }), server.url);

    expect(first).toMatchObject({ status: 'partial', exitCode: 1 });
    expect(first.quota).toEqual({ dailyQuota: 5, usedLast24h: 0, remaining: 5, deferred: 3 });
    expect(first.message).toContain('daily quota of 5 emails reached: 3 emails left pending');
    expect(first.deliveries.email).toMatchObject({ planned: 8, sent: 5, pending: 3 });
    expect(server.count).toBe(5);
    const statuses = (await deliveryRows(db)).map((d) => d.status);
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(5);
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(3);

    const second = await runWith(db, runOptions({ dailyQuota: 20 }), server.url);
    expect(second).toMatchObject({ exitCode: 0, resumed: true });
    expect(second.quota).toMatchObject({ usedLast24h: 5, remaining: 15, deferred: 0 });
    expect(second.deliveries.email.sent).toBe(3);
    expect(server.count).toBe(8);
    expect(new Set(server.messages.map((m) => m.envelope.to[0]))).toEqual(new Set(staff.map((s) => s.email)));
  });

  it('keeps exactly the configured number of messages in flight, not the pool size', async () => {
    await officeWithStaff(21);
    const meter = inFlightMeter();
    const server = await sink({ latencyMs: 60, ...meter });

    // The pool could carry 10 at once: the run's own limit (7) is what the server sees.
    const summary = await runWith(db, runOptions({ concurrency: 7 }), server.url, { maxConnections: 10 });

    expect(summary.deliveries.email.sent).toBe(21);
    expect(meter.max).toBe(7);
    expect(meter.now).toBe(0);
  });

  it('sends no faster than the configured rate, from the first second on', async () => {
    await officeWithStaff(30);
    const server = await sink();
    // When the run hands each message to the channel (the sink's own clock would add its event-loop jitter).
    const sends: number[] = [];
    const started = performance.now();

    const summary = await runWith(db, runOptions({ ratePerSecond: 20, concurrency: 10 }), server.url, {
      maxConnections: 10,
      onSend: () => {
        sends.push(performance.now());
      },
    });

    expect(summary.deliveries.email.sent).toBe(30);
    expect(server.count).toBe(30);
    expect(sends).toHaveLength(30);
    // 20 a second and no burst: 29 gaps of 50 ms at least (timers never fire early; 1 ms of rounding each).
    expect((sends.at(-1) as number) - (sends[0] as number)).toBeGreaterThanOrEqual(1400);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    // No one-second window holds more than the rate plus one boundary message.
    const busiest = Math.max(...sends.map((t) => sends.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(21);
  });

  it('keeps to the rate after the provider stalls: no burst of sends queued up during the stall', async () => {
    await officeWithStaff(25);
    const server = await sink();
    const sends: number[] = [];
    const stall = () => new Promise<void>((resolve) => setTimeout(resolve, 800));

    const summary = await runWith(db, runOptions({ ratePerSecond: 10, concurrency: 5 }), server.url, {
      maxConnections: 5,
      // The first five sends hang for 0.8 s (a provider's hiccup) and hold every slot meanwhile.
      onSend: () => (sends.push(performance.now()) <= 5 ? stall() : undefined),
    });

    expect(summary.deliveries.email.sent).toBe(25);
    const busiest = Math.max(...sends.map((t) => sends.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(11);
  });

  it('runs 20 sends at once over a connection pool, twice at the same time, and records every outcome (mistake 4)', async () => {
    const offices: string[] = [];
    for (let i = 0; i < 5; i++) offices.push(await fx.office());
    const staff: StaffFixture[] = [];
    for (const office of offices) staff.push(...(await officeWithStaff(8, office)));
    const meter = inFlightMeter();
    const server = await sink({ latencyMs: 40, ...meter });
    const nextDay = addDays(RUN_DATE, 1);
    // Small chunks and one-outcome batches: planning, inserts, outcome writes and sends all interleave.
    const options = { concurrency: 20, chunkSize: 1, outcomeBatch: { maxItems: 1, maxDelayMs: 1 } };

    const [today, tomorrow] = await Promise.all([
      runWith(db, runOptions(options), server.url, { maxConnections: 20 }),
      runWith(db, runOptions({ ...options, runDate: nextDay }), server.url, { maxConnections: 20 }),
    ]);

    for (const summary of [today, tomorrow]) {
      expect(summary).toMatchObject({ status: 'completed', exitCode: 0 });
      expect(summary.deliveries.email).toMatchObject({ planned: 40, sent: 40, failed: 0, attempts: 40 });
      expect(summary.totals?.email).toEqual({ pending: 0, sent: 40, failed: 0, skipped: 0 });
    }
    expect(meter.max).toBeGreaterThan(10);
    expect(meter.max).toBeLessThanOrEqual(40);
    const expected = [RUN_DATE, nextDay].flatMap((date) =>
      staff.map((s) => messageIdOf(date, { staffId: s.id, channel: 'email', device: '', officeKey: '' })),
    );
    expect([...messageIdCounts(server)].sort()).toEqual(expected.map((id) => [id, 1]).sort());

    const rows = await fromAnotherConnection<{ status: string; attempts: number; audits: number }>(
      `SELECT d.status, d.attempts, (SELECT count(*)::int FROM audit_logs a WHERE a.target_id = d.id::text
              AND a.action = 'notification.email.sent') AS audits FROM deliveries d`,
    );
    expect(rows).toHaveLength(80);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.audits === 1)).toBe(true);
    if (db.url) {
      // Every connection went back clean: no open transaction, no run lock left behind.
      const [state] = await fromAnotherConnection<{ open: number; locks: number }>(
        `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database()
                   AND state LIKE 'idle in transaction%') AS open,
                (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database =
                   (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks`,
      );
      expect(state).toEqual({ open: 0, locks: 0 });
    }
  });
});
