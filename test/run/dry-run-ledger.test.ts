// A dry run after a real run reads the ledger and says what a real rerun would do: sent messages and
// permanent failures are not counted as still to send; new and retryable ones are.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/format.ts';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type Fixtures, type StaffFixture } from '../helpers/fixtures.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, RUN_DATE, runOptions, runWith } from './harness.ts';

describe.each(testEngines())('a dry run after a real run on %s', (engine) => {
  let db: Db;
  let fx: Fixtures;
  let office: string;
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
    fx = createFixtures(db);
    office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
    staff = [];
    for (let s = 0; s < 6; s++) staff.push(await fx.staff({ offices: [office] }));
  });

  it('says what a real rerun would send, from the ledger', async () => {
    const before = await runWith(db, runOptions({ dryRun: true }), null);
    expect(before.deliveries.email.wouldSend).toBe(6);

    const refused = new Set(staff.slice(0, 2).map((s) => s.email));
    const greylisted = staff[2]?.email;
    const server = await sink({
      failRcpt: (address) =>
        refused.has(address)
          ? { code: 550, message: 'No such user here' }
          : address === greylisted
            ? { code: 451, message: 'Greylisted' }
            : undefined,
    });
    const real = await runWith(db, runOptions({ maxAttempts: 1 }), server.url);
    expect(real.deliveries.email.sent).toBe(3);
    await fx.staff({ offices: [office] }); // one more staff member since

    const after = await runWith(db, runOptions({ dryRun: true }), null);
    // The new staff member, and the greylisted (transient) one that a rerun retries; not the 3 sent, not
    // the 2 refused for good.
    expect(after.deliveries.email.planned).toBe(7);
    expect(after.deliveries.email.alreadyRecorded).toBe(6);
    expect(after.deliveries.email.wouldSend).toBe(2);
    expect(formatSummary(after)).toMatch(/a real run now would send 2 messages \(6 already recorded/);
  });
});
