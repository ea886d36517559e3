// Demo data: deterministic for a seed, the sizes asked for, realistic shares, deadlines around the base
// date, and a refusal to mix with existing data unless told to reset.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import {
  DEFAULT_SEED_OPTIONS,
  SEED_COLUMNS,
  SEED_TABLES,
  type SeedOptions,
} from '../../src/db/seed/generate.ts';
import { type SeedCounts, seedDatabase, truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';

const BASE = '2026-12-01';

const SMALL: SeedOptions = {
  ...DEFAULT_SEED_OPTIONS,
  offices: 20,
  staffPerOffice: 4,
  recipientsPerOffice: 6,
  seed: 7,
  baseDate: BASE,
};

type TableKey = keyof typeof SEED_TABLES;
type Dump = Record<TableKey, { n: number; h: string }>;

/** Row count and md5 of every seeded table's rows (timestamps left out), in a fixed order. */
async function dump(db: Db): Promise<Dump> {
  const out = {} as Dump;
  for (const key of Object.keys(SEED_TABLES) as TableKey[]) {
    const cols = SEED_COLUMNS[key].join(', ');
    const { rows } = await sql<{ n: number; h: string }>`
      SELECT count(*)::int AS n, md5(coalesce(string_agg(x.r, '|' ORDER BY x.r COLLATE "C"), '')) AS h
        FROM (SELECT ROW(${sql.raw(cols)})::text AS r FROM ${sql.table(SEED_TABLES[key])}) x`.execute(db.k);
    const row = rows[0];
    if (!row) throw new Error(`no dump of ${key}`);
    out[key] = row;
  }
  return out;
}

async function count(db: Db, query: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT (${sql.raw(query)})::int AS n`.execute(db.k);
  return rows[0]?.n ?? Number.NaN;
}

describe.each(testEngines())('seed on %s', (engine) => {
  let db: Db;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('determinism and sizes', () => {
    beforeEach(async () => {
      await truncateAll(db);
    });

    it('gives identical rows for the same seed and different rows for another seed', async () => {
      await seedDatabase(db, { ...SMALL, reset: true });
      const first = await dump(db);
      await seedDatabase(db, { ...SMALL, reset: true });
      const again = await dump(db);
      expect(again).toEqual(first);
      for (const table of Object.values(first)) expect(table.n).toBeGreaterThan(0);

      await seedDatabase(db, { ...SMALL, seed: 8, reset: true });
      const other = await dump(db);
      for (const key of Object.keys(SEED_TABLES) as TableKey[]) {
        expect(other[key].h, key).not.toBe(first[key].h);
      }
    });

    it('moves every deadline with the base date and keeps everything else', async () => {
      await seedDatabase(db, { ...SMALL, reset: true });
      const before = await dump(db);
      const { rows: deadlines } = await sql<{ id: string; d: string | null }>`
        SELECT id, next_renewal_deadline AS d FROM support_plan_cycles`.execute(db.k);
      await seedDatabase(db, { ...SMALL, baseDate: '2026-12-08', reset: true });
      const after = await dump(db);
      expect(after.offices).toEqual(before.offices);
      expect(after.staffs).toEqual(before.staffs);
      expect(after.cycles.n).toBe(before.cycles.n);
      expect(after.cycles.h).not.toBe(before.cycles.h);
      const { rows: shifts } = await sql<{ shift: number | null; n: number }>`
        SELECT c.next_renewal_deadline - x.d AS shift, count(*)::int AS n
          FROM support_plan_cycles c
          JOIN jsonb_to_recordset(${JSON.stringify(deadlines)}::jsonb) AS x(id uuid, d date) ON x.id = c.id
         GROUP BY 1 ORDER BY 1`.execute(db.k);
      // Every cycle is still there; each deadline moved by exactly 7 days (null stays null).
      expect(shifts.reduce((n, r) => n + r.n, 0)).toBe(deadlines.length);
      expect(shifts.map((r) => r.shift).filter((s) => s !== null)).toEqual([7]);
    });

    it('creates the numbers of rows asked for, and reports them', async () => {
      const counts = await seedDatabase(db, { ...SMALL, reset: true });
      const tables: Record<keyof SeedCounts, string> = SEED_TABLES;
      for (const [key, table] of Object.entries(tables) as [keyof SeedCounts, string][]) {
        expect(counts[key], key).toBe(await count(db, `SELECT count(*) FROM ${table}`));
      }
      expect(counts.offices).toBe(20);
      expect(counts.staffs).toBe(20 * 4);
      expect(counts.recipients).toBe(20 * 6);
      expect(counts.officeStaffs).toBeGreaterThanOrEqual(counts.staffs);
      expect(counts.officeStaffs).toBeLessThan(counts.staffs * 2);
      expect(counts.cycles).toBeGreaterThanOrEqual(counts.recipients);
      expect(counts.cycles).toBeLessThanOrEqual(counts.recipients * 3);
      // Exactly one latest cycle per recipient, numbered after the earlier ones.
      expect(await count(db, 'SELECT count(*) FROM support_plan_cycles WHERE is_latest_cycle')).toBe(120);
      expect(
        await count(
          db,
          `SELECT count(*) FROM support_plan_cycles c WHERE c.is_latest_cycle AND c.cycle_number <>
             (SELECT max(cycle_number) FROM support_plan_cycles p WHERE p.welfare_recipient_id = c.welfare_recipient_id)`,
        ),
      ).toBe(0);
      // One primary office per staff member.
      expect(await count(db, 'SELECT count(*) FROM office_staffs WHERE is_primary')).toBe(80);
    });

    it('refuses to seed a database that has data, and changes nothing', async () => {
      await seedDatabase(db, { ...SMALL, reset: true });
      const before = await dump(db);
      const attempt = seedDatabase(db, { ...SMALL, seed: 9, reset: false });
      await expect(attempt).rejects.toMatchObject({
        code: 'SEED_NOT_EMPTY',
        message: expect.stringMatching(/already has 20 offices.*--reset/),
      });
      expect(await dump(db)).toEqual(before);
    });

    it('seeds an empty database without --reset', async () => {
      const counts = await seedDatabase(db, { ...SMALL, reset: false });
      expect(counts.offices).toBe(20);
    });

    it('replaces all data, runs included, with --reset', async () => {
      await seedDatabase(db, { ...SMALL, reset: true });
      const { rows: old } = await sql<{ id: string }>`SELECT id FROM offices`.execute(db.k);
      await sql`INSERT INTO runs (run_date, scope, status) VALUES (${BASE}, 'production', 'completed')`.execute(
        db.k,
      );
      const counts = await seedDatabase(db, { ...SMALL, offices: 5, seed: 8, reset: true });
      expect(counts.offices).toBe(5);
      expect(await count(db, 'SELECT count(*) FROM offices')).toBe(5);
      expect(await count(db, 'SELECT count(*) FROM staffs')).toBe(5 * 4);
      expect(await count(db, 'SELECT count(*) FROM runs')).toBe(0);
      const { rows: kept } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM offices WHERE id = ANY(${old.map((r) => r.id)}::uuid[])`.execute(db.k);
      expect(kept[0]?.n).toBe(0);
    });
  });

  describe('realistic data (100 offices, default sizes)', () => {
    beforeAll(async () => {
      await seedDatabase(db, { ...DEFAULT_SEED_OPTIONS, offices: 100, baseDate: BASE, reset: true });
    });

    it('leaves about a third of the latest cycles without an assessment sheet', async () => {
      const share =
        (await count(
          db,
          `SELECT count(*) FROM support_plan_cycles c WHERE c.is_latest_cycle AND NOT EXISTS
             (SELECT 1 FROM plan_deliverables d WHERE d.plan_cycle_id = c.id AND d.deliverable_type = 'assessment_sheet')`,
        )) / (await count(db, 'SELECT count(*) FROM support_plan_cycles WHERE is_latest_cycle'));
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
      // Earlier cycles are complete: every deliverable type.
      expect(
        await count(
          db,
          `SELECT count(*) FROM support_plan_cycles c WHERE NOT c.is_latest_cycle AND
             (SELECT count(DISTINCT deliverable_type) FROM plan_deliverables d WHERE d.plan_cycle_id = c.id) <> 5`,
        ),
      ).toBe(0);
    });

    it('puts some staff in two offices of the same data scope', async () => {
      const twoOffices = await count(
        db,
        'SELECT count(*) FROM (SELECT staff_id FROM office_staffs GROUP BY staff_id HAVING count(*) = 2) x',
      );
      const staff = await count(db, 'SELECT count(*) FROM staffs');
      expect(twoOffices).toBeGreaterThan(0.01 * staff);
      expect(twoOffices).toBeLessThan(0.1 * staff);
      expect(
        await count(
          db,
          'SELECT count(*) FROM (SELECT 1 FROM office_staffs GROUP BY staff_id HAVING count(*) > 2) x',
        ),
      ).toBe(0);
      expect(
        await count(
          db,
          `SELECT count(*) FROM office_staffs m JOIN staffs s ON s.id = m.staff_id JOIN offices o ON o.id = m.office_id
            WHERE s.is_test_data <> o.is_test_data`,
        ),
      ).toBe(0);
    });

    it('gives push devices to staff with push on, and only to them', async () => {
      expect(await count(db, 'SELECT count(*) FROM push_subscriptions')).toBeGreaterThan(100);
      expect(
        await count(
          db,
          'SELECT count(*) FROM push_subscriptions p JOIN staffs s ON s.id = p.staff_id WHERE NOT s.system_notification',
        ),
      ).toBe(0);
      expect(
        await count(db, "SELECT count(*) FROM push_subscriptions WHERE endpoint NOT LIKE 'https://%'"),
      ).toBe(0);
      // Some staff want push only (the original never pushed to them): email off, push on.
      expect(
        await count(db, 'SELECT count(*) FROM staffs WHERE NOT email_notification AND system_notification'),
      ).toBeGreaterThan(0);
      expect(
        await count(
          db,
          'SELECT count(*) FROM staffs WHERE NOT email_notification AND NOT system_notification',
        ),
      ).toBe(0);
    });

    it('flags a few offices as test data, with their people', async () => {
      const testOffices = await count(db, 'SELECT count(*) FROM offices WHERE is_test_data');
      expect(testOffices).toBeGreaterThan(0);
      expect(testOffices).toBeLessThan(10);
      expect(
        await count(
          db,
          `SELECT count(*) FROM support_plan_cycles c JOIN offices o ON o.id = c.office_id
             JOIN welfare_recipients r ON r.id = c.welfare_recipient_id WHERE r.is_test_data <> o.is_test_data`,
        ),
      ).toBe(0);
      expect(await count(db, 'SELECT count(*) FROM staffs WHERE is_test_data')).toBe(testOffices * 10);
    });

    it('spreads latest deadlines over base −10 … base +120 days, earlier cycles before that', async () => {
      const { rows } = await sql<{ lo: number; hi: number; nulls: number; old_hi: number }>`
        SELECT min(next_renewal_deadline - ${BASE}::date) FILTER (WHERE is_latest_cycle) AS lo,
               max(next_renewal_deadline - ${BASE}::date) FILTER (WHERE is_latest_cycle) AS hi,
               count(*) FILTER (WHERE is_latest_cycle AND next_renewal_deadline IS NULL)::int AS nulls,
               max(next_renewal_deadline - ${BASE}::date) FILTER (WHERE NOT is_latest_cycle) AS old_hi
          FROM support_plan_cycles`.execute(db.k);
      const r = rows[0];
      expect(r?.lo).toBe(-10);
      expect(r?.hi).toBe(120);
      expect(r?.old_hi).toBeLessThan(-10);
      // A few latest cycles have no deadline yet.
      expect(r?.nulls).toBeGreaterThan(0);
      expect(r?.nulls).toBeLessThan(200);
    });

    it('has overdue, upcoming and later deadlines on the base date', async () => {
      const { rows } = await sql<{ overdue: number; soon: number; later: number }>`
        SELECT count(*) FILTER (WHERE next_renewal_deadline <= ${BASE}::date)::int AS overdue,
               count(*) FILTER (WHERE next_renewal_deadline > ${BASE}::date
                                  AND next_renewal_deadline <= ${BASE}::date + 30)::int AS soon,
               count(*) FILTER (WHERE next_renewal_deadline > ${BASE}::date + 30)::int AS later
          FROM support_plan_cycles WHERE is_latest_cycle`.execute(db.k);
      const r = rows[0];
      expect(r?.overdue).toBeGreaterThan(0);
      expect(r?.soon).toBeGreaterThan(r?.overdue ?? 0);
      expect(r?.later).toBeGreaterThan(r?.soon ?? 0);
    });
  });
});
