// Progress as the CLI shows it: offices planned of a total known from the start, then messages done of a
// total that no longer grows (planning is over before the message bar starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { openTestDatabase } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, RUN_DATE, runOptions, runWith } from './harness.ts';

type Event = { planned: number; done: number; planning?: boolean; offices?: number; officesTotal?: number };

describe('run progress', () => {
  let db: Db;
  const sink = smtpSinksPerTest();
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    const fx = createFixtures(db);
    for (let o = 0; o < 5; o++) {
      const office = await fx.office();
      await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
      for (let s = 0; s < 3; s++) await fx.staff({ offices: [office] });
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reports offices of a known total while planning, then messages of a fixed total', async () => {
    const server = await sink();
    const events: Event[] = [];
    await runWith(db, runOptions({ chunkSize: 2 }), server.url, {
      deps: { onProgress: (e) => events.push({ ...e }) },
    });
    const planning = events.filter((e) => e.planning);
    const delivering = events.filter((e) => !e.planning);
    expect(planning.map((e) => e.offices)).toEqual([2, 4, 5]);
    expect(planning.every((e) => e.officesTotal === 5)).toBe(true);
    // Once planning is over, no planning event follows and the message total stays what it was.
    expect(events.findIndex((e) => !e.planning)).toBe(planning.length);
    expect(new Set(delivering.map((e) => e.planned))).toEqual(new Set([15]));
    expect(delivering.at(-1)?.done).toBe(15);
  });
});
