// A date with permanent failures is not "completed" on any run of it: the first run and every rerun exit 1
// with status partial, and the summary (JSON and text) names each failed delivery: masked address, office,
// reason.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/format.ts';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, RUN_DATE, runOptions, runWith } from './harness.ts';

describe.each(testEngines())('a date with permanent failures on %s', (engine) => {
  let db: Db;
  let staff: StaffFixture[];
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
    const office = await fx.office({ name: 'ひまわり作業所' });
    await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
    staff = [];
    for (let s = 0; s < 5; s++) staff.push(await fx.staff({ offices: [office] }));
  });

  it('exits 1 with status partial on the first run and on every rerun, naming the failed deliveries', async () => {
    const refused = new Set(staff.slice(0, 2).map((s) => s.email));
    const server = await sink({
      failRcpt: (address) => (refused.has(address) ? { code: 550, message: 'No such user here' } : undefined),
    });
    for (const round of [1, 2, 3]) {
      const summary = await runWith(db, runOptions(), server.url);
      expect(summary.status, `run ${round}`).toBe('partial');
      expect(summary.exitCode, `run ${round}`).toBe(1);
      expect(summary.failedDeliveries).toHaveLength(2);
      for (const f of summary.failedDeliveries ?? []) {
        expect(f.to).toMatch(/^.\*\*\*@/);
        expect(f.offices).toEqual(['ひまわり作業所']);
        expect(f.code).toBe('550');
        expect(f.reason).toMatch(/No such user/);
      }
      const text = formatSummary(summary);
      expect(text).toMatch(/failed deliveries of 2026-12-01 \(2; not retried\)/);
      expect(text).toContain('ひまわり作業所');
      for (const email of refused) expect(text).not.toContain(email);
      if (round > 1) {
        expect(summary.message).toMatch(/^resuming the run of 2026-12-01/);
        expect(summary.message).toMatch(/2 deliveries of 2026-12-01 failed in an earlier run/);
      }
      // Each line of the message once (a resumed run used to print its last line twice).
      const lines = summary.message.split('\n');
      expect(new Set(lines).size, summary.message).toBe(lines.length);
    }
    // Three sent once; the two refused ones were tried once, on the first run only.
    expect(server.count).toBe(3);
  });
});
