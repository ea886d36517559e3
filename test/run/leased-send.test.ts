// The ledger lease of the distributed mode, on PGlite and PostgreSQL with the loopback SMTP sink:
// two attempts of one send job running at once (pg-boss retried it while the old handler still ran)
// send each message once; an old handler whose lease ran out stops sending and cannot overwrite what
// the new holder recorded; a sender's quota holds across concurrent claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { claimDeliveries, createQueuedRunStore } from '../../src/db/lease-queries.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { createLogger } from '../../src/logger.ts';
import { type LeaseStore, sendLeasedBatch } from '../../src/run/leased-send.ts';
import { planQueuedChunk } from '../../src/run/queued-run.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { insertCliData } from './cli-process.ts';
import { messageIdCounts, RUN_DATE, smtpChannel } from './harness.ts';

const logger = createLogger('silent');
const SENDER = { name: 'default', ratePerSecond: 0, dailyQuota: 0, includeUnnamed: true };
const OPTIONS = {
  leaseSeconds: 60,
  concurrency: 4,
  ratePerSecond: 0,
  maxAttempts: 3,
  backoff: { baseMs: 5, factor: 2, maxMs: 20 },
  outcomeFlushMs: 50,
  sendTimeoutMs: 5000,
};

describe.each(testEngines())('ledger lease on %s', (engine) => {
  let db: Db;
  const sink = smtpSinksPerTest();
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** 40 pending emails of one run, as a plan job leaves them. */
  async function plannedIds(): Promise<string[]> {
    await truncateAll(db);
    await insertCliData(db, RUN_DATE);
    const store = createQueuedRunStore(db);
    const { run } = await store.runs.claim(RUN_DATE, 'production', 'test');
    const bounds = await store.chunkBounds('production', 1000);
    const routed = await planQueuedChunk(
      { reader: createPlanReader(db, 'production'), store, logger },
      {
        runId: run.id,
        runDate: RUN_DATE,
        scope: 'production',
        afterId: null,
        lastId: bounds.lastIds.at(-1) as string,
      },
      { chunkSize: 1000, grouping: 'digest', push: false, senders: [SENDER] },
    );
    return routed.batches.flatMap((b) => b.ids);
  }

  async function statusCounts(): Promise<Record<string, number>> {
    const rows = await db.k
      .selectFrom('deliveries')
      .select(['status', db.k.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  it('two attempts of one job running at once send each delivery once', async () => {
    const ids = await plannedIds();
    expect(ids).toHaveLength(40);
    const server = await sink({ latencyMs: 10 });
    const store = createQueuedRunStore(db).leases;
    const channel = smtpChannel(server.url);
    try {
      const batch = (owner: string) =>
        sendLeasedBatch(
          {
            runDate: RUN_DATE,
            channel: 'email',
            ids,
            owner,
            sender: SENDER,
            signal: new AbortController().signal,
          },
          { store, channels: { email: channel, push: null }, logger },
          OPTIONS,
        );
      const [a, b] = await Promise.all([batch('job-1:0'), batch('job-1:1')]);
      expect(a.claimed + b.claimed).toBe(40);
      expect(a.sent + b.sent).toBe(40);
    } finally {
      await channel.close();
    }
    expect(server.count).toBe(40);
    expect([...messageIdCounts(server).values()].every((n) => n === 1)).toBe(true);
    expect(await statusCounts()).toEqual({ sent: 40 });
  });

  it('an old handler whose lease ran out stops sending, and its late outcome does not overwrite the new holder', async () => {
    const ids = await plannedIds();
    const server = await sink();
    const leases = createQueuedRunStore(db).leases;
    // The old handler cannot renew (its database connection is gone, say): its lease runs out.
    const cutOff: LeaseStore = {
      ...leases,
      renew: async () => {
        throw new Error('connection lost');
      },
    };
    const channel = smtpChannel(server.url);
    try {
      // Lease 2 s, margin 1 s: the old handler may start sends for 1 s; at 0.5 sends/s it starts one.
      const old = sendLeasedBatch(
        {
          runDate: RUN_DATE,
          channel: 'email',
          ids,
          owner: 'job-2:0',
          sender: { ...SENDER, ratePerSecond: 0.5 },
          signal: new AbortController().signal,
        },
        { store: cutOff, channels: { email: channel, push: null }, logger },
        { ...OPTIONS, leaseSeconds: 2, sendTimeoutMs: 1000, concurrency: 1 },
      );
      await new Promise((r) => setTimeout(r, 2300));
      // pg-boss retried the job: the new attempt takes every row whose lease ran out.
      const fresh = await sendLeasedBatch(
        {
          runDate: RUN_DATE,
          channel: 'email',
          ids,
          owner: 'job-2:1',
          sender: SENDER,
          signal: new AbortController().signal,
        },
        { store: leases, channels: { email: channel, push: null }, logger },
        OPTIONS,
      );
      const stale = await old;
      expect(stale.fatal?.code).toBe('LEASE_LOST');
      expect(stale.sent + fresh.sent).toBe(40);
    } finally {
      await channel.close();
    }
    expect(server.count).toBe(40);
    expect([...messageIdCounts(server).values()].every((n) => n === 1)).toBe(true);
    expect(await statusCounts()).toEqual({ sent: 40 });
  });

  it('concurrent claims of one sender never exceed its daily quota', async () => {
    const ids = await plannedIds();
    const quota = { sender: 'q', includeUnnamed: false, dailyQuota: 15 };
    const claims = await Promise.all(
      ['a', 'b', 'c'].map((owner, i) =>
        claimDeliveries(db.k, { ids: ids.slice(i * 13, i * 13 + 14), owner, leaseSeconds: 60, quota }),
      ),
    );
    expect(claims.reduce((n, c) => n + c.rows.length, 0)).toBe(15);
    // Leased rows count until they are recorded: a fourth claimer gets nothing.
    const late = await claimDeliveries(db.k, { ids, owner: 'd', leaseSeconds: 60, quota });
    expect(late.rows).toHaveLength(0);
  });
});
