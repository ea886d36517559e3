// A PostgreSQL connection lost mid-run (pg_terminate_backend on every kigen connection, as a server restart
// or a failover does): the run must not crash. It reconnects, takes its claim again and finishes, each message
// sent once; or, when another process took the date meanwhile, it stops cleanly with its outcomes written,
// and a rerun sends again at most the messages that were in flight.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, deliveryRows, messageIdCounts, RUN_DATE, runOptions, runWith } from './harness.ts';

const CONCURRENCY = 4;
const STAFF = 40;

describe.skipIf(!process.env.TEST_DATABASE_URL)('a lost PostgreSQL connection mid-run', () => {
  let db: Db & { url?: string };
  let admin: pg.Client;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
  });
  beforeEach(async () => {
    await truncateAll(db);
    const fx = createFixtures(db);
    for (let o = 0; o < 4; o++) {
      const office = await fx.office();
      await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
      for (let s = 0; s < STAFF / 4; s++) await fx.staff({ offices: [office] });
    }
  });

  /** Ends every connection to the test database but the admin one; resolves to how many it ended. */
  async function terminateKigenConnections(): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * What another kigen process does with the date once the lock is free (it resumes the run under its
   * name), then the connection loss. Done in that order so that the test does not race the run's reconnect.
   */
  async function takeOverThenTerminate(): Promise<number> {
    await admin.query(`UPDATE runs SET owner = 'elsewhere:1', attempts = attempts + 1`);
    return terminateKigenConnections();
  }

  it('reconnects, takes the claim again and finishes: every message once, status completed', async () => {
    const server = await sink({ latencyMs: 25 });
    let sends = 0;
    let terminated: Promise<number> | null = null;
    const summary = await runWith(db, runOptions({ concurrency: CONCURRENCY }), server.url, {
      maxConnections: CONCURRENCY,
      onSend: () => {
        sends += 1;
        if (sends === 12) terminated = terminateKigenConnections();
      },
    });
    expect(await terminated).toBeGreaterThan(0);
    expect(summary.status).toBe('completed');
    expect(summary.exitCode).toBe(0);
    expect(summary.deliveries.email.sent).toBe(STAFF);
    const counts = [...messageIdCounts(server).values()];
    expect(counts).toHaveLength(STAFF);
    expect(counts.every((n) => n === 1)).toBe(true);
    const rows = await deliveryRows(db);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(STAFF);
    const run = await admin.query<{ status: string }>('SELECT status FROM runs');
    expect(run.rows.map((r) => r.status)).toEqual(['completed']);
  });

  it('stops cleanly when another process took the date meanwhile; a rerun resends at most the messages in flight', async () => {
    const server = await sink({ latencyMs: 25 });
    let sends = 0;
    let terminated: Promise<number> | null = null;
    const first = await runWith(db, runOptions({ concurrency: CONCURRENCY }), server.url, {
      maxConnections: CONCURRENCY,
      onSend: () => {
        sends += 1;
        if (sends === 12) terminated = takeOverThenTerminate();
      },
    });
    expect(await terminated).toBeGreaterThan(0);
    expect(first.status).toBe('interrupted');
    expect(first.exitCode).toBe(1);
    expect(first.claimLost).toMatch(/another kigen process worked on the date meanwhile/);
    expect(first.message).toMatch(/left pending; run the same date again/);
    expect(first.deliveries.email.sent).toBeLessThan(STAFF);
    // Outcomes of the sends that finished were written after the connection came back.
    const recorded = (await deliveryRows(db)).filter((r) => r.status === 'sent').length;
    expect(recorded).toBe(first.deliveries.email.sent);
    // The run row now belongs to the other process: this one did not mark it.
    const row = await admin.query<{ status: string }>('SELECT status FROM runs');
    expect(row.rows[0]?.status).toBe('running');

    const rerun = await runWith(db, runOptions({ concurrency: CONCURRENCY }), server.url, {
      maxConnections: CONCURRENCY,
    });
    expect(rerun.status).toBe('completed');
    const counts = [...messageIdCounts(server).values()];
    expect(counts).toHaveLength(STAFF);
    const duplicates = counts.reduce((n, c) => n + (c - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
  });
});
