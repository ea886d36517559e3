// A dead or silent mail server: connection-level failures that hit every message stop the run quickly with
// one clear message and leave the rest pending (the deliverer's circuit breaker), instead of costing each
// message its full retries; a message sent in full and never answered is not sent again in the same run.
// Real SMTP servers on loopback that refuse, never greet, or read the message and never answer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { smtpSinksPerTest, startSmtpSink } from '../helpers/smtp-server.ts';
import { addDays, deliveryRows, messageIdCounts, RUN_DATE, runOptions, runWith } from './harness.ts';

const STAFF = 30;
const CONCURRENCY = 3;
/** Without the breaker each message would get this many attempts. */
const MAX_ATTEMPTS = 5;

describe.each(testEngines())('a dead or silent mail server on %s', (engine) => {
  let db: Db;
  const sink = smtpSinksPerTest();
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await truncateAll(db);
    const fx = createFixtures(db);
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
    for (let s = 0; s < STAFF; s++) await fx.staff({ offices: [office] });
  });

  const options = () => runOptions({ concurrency: CONCURRENCY, maxAttempts: MAX_ATTEMPTS });

  async function expectAllPending() {
    const rows = await deliveryRows(db);
    expect(rows).toHaveLength(STAFF);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
  }

  it('a server that refuses connections: stops at once with one message, everything left pending', async () => {
    const closed = await startSmtpSink();
    const url = closed.url;
    await closed.close();
    const started = performance.now();
    const summary = await runWith(db, options(), url, { maxConnections: CONCURRENCY });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(summary.status).toBe('failed');
    expect(summary.exitCode).toBe(1);
    expect(summary.fatal?.reason).toMatch(/failed \d+ attempts in a row at the connection level/);
    expect(summary.message.split('\n').filter((l) => /connection level/.test(l))).toHaveLength(1);
    // Far fewer than STAFF × MAX_ATTEMPTS.
    expect(summary.deliveries.email.attempts).toBeLessThanOrEqual(Math.max(5, CONCURRENCY) + CONCURRENCY * 2);
    expect(summary.totals?.email.pending).toBe(STAFF);
    await expectAllPending();
  });

  it('a server that never greets: stops after one wave of timeouts, not after every message timed out 5 times', async () => {
    const server = await sink({ stall: 'greeting' });
    const started = performance.now();
    const summary = await runWith(db, options(), server.url, { maxConnections: CONCURRENCY, timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(summary.status).toBe('failed');
    expect(summary.fatal?.reason).toMatch(/connection level/);
    // 30 messages × 5 attempts × 300 ms / 3 at once would be 15 s.
    expect(elapsed).toBeLessThan(4000);
    expect(summary.deliveries.email.attempts).toBeLessThanOrEqual(Math.max(5, CONCURRENCY) + CONCURRENCY * 2);
    await expectAllPending();
  });

  it('a server that reads the message and never answers: each message reached it once in the run; a rerun sends it once more', async () => {
    const silent = await sink({ stall: 'data' });
    const summary = await runWith(db, options(), silent.url, { maxConnections: CONCURRENCY, timeoutMs: 400 });
    expect(summary.exitCode).toBe(1);
    expect(summary.deliveries.email.sent).toBe(0);
    // Without the rule every message would be sent up to MAX_ATTEMPTS times: the breaker stops the run, and
    // no message was sent twice in it.
    expect(silent.received).toBeGreaterThan(0);
    expect(silent.received).toBeLessThanOrEqual(Math.max(5, CONCURRENCY) + CONCURRENCY);
    const rows = await deliveryRows(db);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(rows.every((r) => r.attempts <= 1)).toBe(true);

    const healthy = await sink();
    const rerun = await runWith(db, options(), healthy.url, { maxConnections: CONCURRENCY });
    expect(rerun.status).toBe('completed');
    expect([...messageIdCounts(healthy).values()].every((n) => n === 1)).toBe(true);
    expect(healthy.count).toBe(STAFF);
  });

  it('a message sent in full and not answered is not resent in the same run (unknown outcome); the next run sends it once', async () => {
    let stalled = '';
    const server = await sink({
      // The first message is read and never answered; every other one is accepted.
      stallData: (envelope) => {
        if (stalled && envelope.to[0] !== stalled) return false;
        stalled = envelope.to[0] ?? '';
        return true;
      },
    });
    const summary = await runWith(db, options(), server.url, {
      maxConnections: CONCURRENCY,
      timeoutMs: 1500,
    });
    // The stalled one at least; on a loaded machine another attempt may also end unanswered after its DATA.
    const pending = summary.deliveries.email.pending;
    expect(pending).toBeGreaterThanOrEqual(1);
    expect(summary.deliveries.email.sent + pending).toBe(STAFF);
    expect(summary.exitCode).toBe(1);
    // Every message was read by the server exactly once: none was sent again within the run.
    expect(server.received).toBe(STAFF);
    const left = (await deliveryRows(db)).filter((r) => r.status === 'pending');
    expect(left).toHaveLength(pending);
    expect(left.every((r) => r.attempts === 1 && r.error_code === 'ETIMEDOUT')).toBe(true);

    const rerun = await runWith(db, options(), server.url, { maxConnections: CONCURRENCY, timeoutMs: 1500 });
    expect(rerun.deliveries.email.attempts).toBe(pending);
    expect(server.received).toBe(STAFF + pending);
  });
});
