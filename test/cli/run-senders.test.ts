// `kigen run` in one process with several sender accounts (KIGEN_SENDERS), as real processes against
// loopback SMTP servers, one per account: emails are spread over the accounts by quota left and rate
// as the workers spread them, each account's rate and daily quota hold at its server, and the ledger
// records which account sent what, so a later run counts the quota used. PGlite and PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../helpers/databases.ts';
import { type SmtpSink, smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { type CliTarget, cliTarget, digestIds, runCli } from '../run/cli-process.ts';
import { messageIdCounts, RUN_DATE } from '../run/harness.ts';

const EXPECTED = 40;

/** Most messages the server accepted in any one-second window. */
function worstSecond(server: SmtpSink): number {
  const times = server.acceptedAt;
  let worst = 0;
  for (const t of times) worst = Math.max(worst, times.filter((u) => u >= t && u < t + 1000).length);
  return worst;
}

describe.each(testEngines())('kigen run with several sender accounts on %s', (engine) => {
  let target: CliTarget;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    target = await cliTarget(engine, RUN_DATE);
    // PGlite's template (start-up and migrations) takes minutes on a loaded 2-core machine.
  }, 300_000);
  afterAll(async () => {
    await target?.close();
  });

  const run = (env: Record<string, string>) => runCli(['--date', RUN_DATE, '--json'], env);

  it('two accounts at 5/s each share the emails evenly, and neither server sees more than 5 (+1) in any second', async () => {
    const prepared = await target.prepare();
    const a = await sink();
    const b = await sink();
    const senders = JSON.stringify([
      { name: 'a', url: a.url, from: 'A <a@kigen.example.jp>', rate: 5 },
      { name: 'b', url: b.url, from: 'B <b@kigen.example.jp>', rate: 5 },
    ]);
    // One message in flight, as in the workers' rate test (test/queue/worker-processes.test.ts): this test
    // process parses each message before it records the acceptance, so on a loaded machine a stall here
    // would accept several in-flight messages at once and measure its own stall, not the senders' rate
    // (CI saw 7 in one second with 4 in flight). Without the per-account buckets, one in flight still
    // sends far above 5/s.
    const r = await run({ ...prepared.env, KIGEN_SENDERS: senders, KIGEN_SEND_CONCURRENCY: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(a.count + b.count).toBe(EXPECTED);
    expect(a.count).toBe(EXPECTED / 2);
    expect(b.count).toBe(EXPECTED / 2);
    expect(a.messages.every((m) => m.from?.value[0]?.address === 'a@kigen.example.jp')).toBe(true);
    expect(b.messages.every((m) => m.from?.value[0]?.address === 'b@kigen.example.jp')).toBe(true);
    const ids = [...messageIdCounts(a).keys(), ...messageIdCounts(b).keys()];
    expect(new Set(ids)).toEqual(new Set(digestIds(RUN_DATE, prepared.staff)));
    expect(worstSecond(a)).toBeLessThanOrEqual(6);
    expect(worstSecond(b)).toBeLessThanOrEqual(6);
    // The rate is met by sending at it, not far below: 20 emails at 5/s take about 4 s.
    expect((a.acceptedAt.at(-1) ?? 0) - (a.acceptedAt[0] ?? 0)).toBeLessThan(20_000);
    expect(r.json?.senders).toEqual([
      { name: 'a', sent: 20, failed: 0, remaining: null },
      { name: 'b', sent: 20, failed: 0, remaining: null },
    ]);
    const { db, close } = await prepared.open();
    try {
      const { rows } = await sql<{ sender: string | null; n: number }>`
        SELECT sender, count(*)::int AS n FROM deliveries WHERE status = 'sent' GROUP BY sender ORDER BY sender`.execute(
        db.k,
      );
      expect(rows).toEqual([
        { sender: 'a', n: 20 },
        { sender: 'b', n: 20 },
      ]);
    } finally {
      await close();
    }
  }, 300_000);

  it('quotas of 12 and 13 send exactly 25, say the rest stays pending, and a rerun sends nothing more', async () => {
    const prepared = await target.prepare();
    const a = await sink();
    const b = await sink();
    const senders = JSON.stringify([
      { name: 'a', url: a.url, from: 'A <a@kigen.example.jp>', dailyQuota: 12 },
      { name: 'b', url: b.url, from: 'B <b@kigen.example.jp>', dailyQuota: 13 },
    ]);
    const env = { ...prepared.env, KIGEN_SENDERS: senders };
    const first = await run(env);
    expect(first.code, first.stderr).toBe(1);
    expect(a.count).toBe(12);
    expect(b.count).toBe(13);
    expect(new Set([...messageIdCounts(a).keys(), ...messageIdCounts(b).keys()]).size).toBe(25);
    expect(first.json?.totals?.email).toEqual({ pending: 15, sent: 25, failed: 0, skipped: 0 });
    expect(first.json?.quota).toEqual({ dailyQuota: 25, usedLast24h: 0, remaining: 25, deferred: 15 });
    expect(first.json?.message).toMatch(/quota/);
    const again = await run(env);
    expect(again.code).toBe(1);
    expect(a.count + b.count).toBe(25);
    expect(again.json?.quota).toMatchObject({ dailyQuota: 25, usedLast24h: 25, remaining: 0 });
  }, 300_000);
});
