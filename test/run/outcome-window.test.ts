// The crash window: a finished message waits at most KIGEN_OUTCOME_FLUSH_MS before its outcome is written.
// On PGlite outcome writes share the one connection with planning; slow planning statements (pg_sleep, run
// on that connection as part of each read) used to make a due batch wait behind several of them (~1.3 s here).
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import type { PlanReader } from '../../src/run/ports.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, RUN_DATE, runOptions, runWith } from './harness.ts';

const FLUSH_MS = 200;
const STATEMENT_MS = 300;

/** Each read first holds the connection for STATEMENT_MS, like a planning statement over a large chunk. */
function slowReader(db: Db): PlanReader {
  const reader = createPlanReader(db, 'production');
  const hold = () => sql`SELECT pg_sleep(${STATEMENT_MS / 1000})`.execute(db.k);
  const slow =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await hold();
      return read(...args);
    };
  return {
    officeChunk: slow(reader.officeChunk),
    staffForOffices: slow(reader.staffForOffices),
    latestCycles: slow(reader.latestCycles),
    pushSubscriptions: slow(reader.pushSubscriptions),
  };
}

describe.each(testEngines())('the outcome window on %s', (engine) => {
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
    for (let o = 0; o < 6; o++) {
      const office = await fx.office();
      await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
      for (let s = 0; s < 4; s++) await fx.staff({ offices: [office] });
    }
  });

  it(`writes every outcome within KIGEN_OUTCOME_FLUSH_MS (PGlite: or the longest statement) of the server's answer while planning runs`, async () => {
    const answeredAt = new Map<string, number>();
    const server = await sink({
      latencyMs: 15,
      parse: false,
      failData: (envelope) => {
        for (const to of envelope.to) answeredAt.set(to, Date.now());
        return undefined;
      },
    });
    const summary = await runWith(
      db,
      runOptions({ chunkSize: 1, concurrency: 2, outcomeBatch: { maxItems: 500, maxDelayMs: FLUSH_MS } }),
      server.url,
      { maxConnections: 2, deps: { reader: slowReader(db) } },
    );
    expect(summary.deliveries.email.sent).toBe(24);
    const { rows } = await sql<{ email: string; written: Date | string }>`
      SELECT s.email, d.updated_at AS written FROM deliveries d JOIN staffs s ON s.id = d.staff_id`.execute(
      db.k,
    );
    expect(rows).toHaveLength(24);
    const lags = rows.map((r) => new Date(r.written).getTime() - (answeredAt.get(r.email) ?? Number.NaN));
    // updated_at is when the write began; the answer is taken just before the server replies.
    // PGlite runs a statement on the main thread, so nothing is written during one: there the bound is the
    // longer of the flush delay and the longest statement. A little slack for timers and a loaded machine.
    const bound = (engine === 'pglite' ? Math.max(FLUSH_MS, STATEMENT_MS) : FLUSH_MS) + 150;
    expect(Math.max(...lags)).toBeLessThanOrEqual(bound);
  });
});
