// The read path of the daily run against a real database: what each batch query returns on hand-made
// rows, and how many statements planning costs as the data grows (4 reads per chunk of offices).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  latestCyclesForOffices,
  officeChunk,
  officeWithLatestCycles,
  pushSubscriptionsForStaff,
  staffForOffices,
} from '../../src/db/batch-queries.ts';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { DEFAULT_SEED_OPTIONS } from '../../src/db/seed/generate.ts';
import { seedDatabase, truncateAll } from '../../src/db/seed/load-seed.ts';
import { DEFAULT_PREFERENCES } from '../../src/domain/preferences.ts';
import type { Notice } from '../../src/domain/types.ts';
import { type PlannedChunk, type PlanOptions, planChunks } from '../../src/run/plan.ts';
import type { PlannedDelivery } from '../../src/run/ports.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import {
  id,
  insertCycle,
  insertMembership,
  insertOffice,
  insertPushSubscription,
  insertRecipient,
  insertStaff,
} from './fixtures.ts';

const D = '2026-12-01';
const WINDOW = 30;

const O1 = id('o', 1);
const O2 = id('o', 2);
const O3 = id('o', 3);
const O4 = id('o', 4); // deleted
const O5 = id('o', 5); // test data
const O6 = id('o', 6);
const S1 = id('s', 1); // O1 + O3, non-default preferences, two devices
const S2 = id('s', 2); // O1, defaults
const S3 = id('s', 3); // O1, deleted
const S4 = id('s', 4); // O2 + the deleted O4
const S5 = id('s', 5); // test data, O5
const S6 = id('s', 6); // O6, push only

/** The offices, staff, cycles and devices that every expectation below refers to. */
async function loadFixture(db: Db): Promise<void> {
  // Inserted out of id order, so ORDER BY id is what puts them in order.
  await insertOffice(db, 6, { name: 'あおば事業所' });
  await insertOffice(db, 3, { name: 'ひまわり事業所' });
  await insertOffice(db, 5, { name: 'テスト事業所', testData: true });
  await insertOffice(db, 1, { name: 'みどり事業所' });
  await insertOffice(db, 4, { name: '閉鎖した事業所', deleted: true });
  await insertOffice(db, 2, { name: 'さくら事業所' });

  await insertStaff(db, 1, { email: true, push: true, inApp: false, emailDays: 5, pushDays: 20 });
  await insertStaff(db, 2);
  await insertStaff(db, 3, { deleted: true });
  await insertStaff(db, 4);
  await insertStaff(db, 5, { testData: true });
  await insertStaff(db, 6, { email: false, push: true, emailDays: 10, pushDays: 5 });
  await insertMembership(db, S1, O3, false);
  await insertMembership(db, S1, O1, true);
  await insertMembership(db, S2, O1);
  await insertMembership(db, S3, O1);
  await insertMembership(db, S4, O2);
  await insertMembership(db, S4, O4, false);
  await insertMembership(db, S5, O5);
  await insertMembership(db, S6, O6);

  await insertPushSubscription(db, 2, S1);
  await insertPushSubscription(db, 1, S1);
  await insertPushSubscription(db, 3, S4);
  await insertPushSubscription(db, 4, S6);
  await insertPushSubscription(db, 5, S3);

  const A = ['assessment_sheet'];
  const cycle = async (
    n: number,
    recipient: number,
    office: string,
    deadline: string | null,
    deliverables: string[],
    opts: { latest?: boolean; cycleNumber?: number; testData?: boolean } = {},
  ) => {
    const recipientId = id('r', recipient);
    if ((opts.cycleNumber ?? 1) === 1)
      await insertRecipient(db, recipient, { testData: opts.testData ?? false });
    await insertCycle(db, n, {
      recipientId,
      officeId: office,
      cycleNumber: opts.cycleNumber ?? 1,
      deadline,
      latest: opts.latest ?? true,
      deliverables,
    });
  };
  // O1
  await cycle(1, 1, O1, '2026-06-01', [], { latest: false }); // an old cycle: never an alert
  await cycle(2, 1, O1, '2026-12-16', A, { cycleNumber: 2 }); // 15 days
  await cycle(3, 2, O1, '2027-03-01', A); // far away, assessed: nothing
  await cycle(4, 3, O1, '2027-03-01', ['draft_plan_pdf']); // far away, no assessment sheet
  await cycle(5, 4, O1, '2026-11-20', ['assessment_sheet', 'draft_plan_pdf']); // overdue
  await cycle(6, 5, O1, null, []); // no deadline, no assessment
  await cycle(7, 6, O1, null, A); // no deadline, assessed: nothing
  await cycle(8, 7, O1, '2026-12-31', A); // D + 30: inside the window
  await cycle(9, 8, O1, '2027-01-01', A); // D + 31: outside
  // other offices
  await cycle(10, 10, O2, '2026-12-05', A);
  await cycle(11, 11, O3, '2027-02-01', []);
  await cycle(12, 12, O4, '2026-12-02', []);
  await cycle(13, 13, O5, '2026-12-10', A, { testData: true });
  await cycle(14, 14, O6, '2026-12-03', A);
}

const recipientCycle = (
  recipient: number,
  officeId: string,
  nextRenewalDeadline: string | null,
  hasAssessment: boolean,
) => ({
  officeId,
  recipientId: id('r', recipient),
  lastName: '利用者',
  firstName: `${recipient}`,
  nextRenewalDeadline,
  hasAssessment,
});

async function planAll(db: Db, options: Partial<PlanOptions> & { scope?: 'production' | 'test' } = {}) {
  const { scope = 'production', ...rest } = options;
  const reader = createPlanReader(db, scope);
  db.stats.reset();
  const chunks: PlannedChunk[] = [];
  for await (const chunk of planChunks(reader, {
    runDate: D,
    chunkSize: 1000,
    grouping: 'digest',
    push: true,
    ...rest,
  })) {
    chunks.push(chunk);
  }
  const stats = db.stats.snapshot();
  const deliveries = chunks.flatMap((c) => c.deliveries);
  const notices = deliveries.filter((d) => d.channel === 'email').map((d) => d.payload.notice);
  return { chunks, stats, notices, deliveries };
}

const deliveryKey = (d: PlannedDelivery) => `${d.staffId}|${d.channel}|${d.device}|${d.officeKey}`;
const sectionsOf = (notice: Notice | undefined) =>
  notice?.sections.map((s) => ({ office: s.office.id, recipients: s.alerts.map((a) => a.recipientId) }));

describe.each(testEngines())('batch queries on %s', (engine) => {
  let db: Db;

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('on hand-made rows', () => {
    beforeAll(async () => {
      await truncateAll(db);
      await loadFixture(db);
    });

    describe('officeChunk', () => {
      it('pages live production offices by id: ORDER BY id, after the last id, LIMIT n', async () => {
        const page = (afterId: string | null) =>
          officeChunk(db.k, { scope: 'production', afterId, limit: 2 }).then((os) => os.map((o) => o.id));
        expect(await page(null)).toEqual([O1, O2]);
        expect(await page(O2)).toEqual([O3, O6]);
        expect(await page(O6)).toEqual([]);
        // afterId need not be an office that is returned: it is a key, not a cursor row.
        expect(await page(O4)).toEqual([O6]);
      });

      it('returns id and name', async () => {
        expect(await officeChunk(db.k, { scope: 'production', afterId: null, limit: 1 })).toEqual([
          { id: O1, name: 'みどり事業所' },
        ]);
      });

      it('returns only test offices in the test scope, and never deleted ones', async () => {
        expect(await officeChunk(db.k, { scope: 'test', afterId: null, limit: 100 })).toEqual([
          { id: O5, name: 'テスト事業所' },
        ]);
        const all = await officeChunk(db.k, { scope: 'production', afterId: null, limit: 100 });
        expect(all.map((o) => o.id)).toEqual([O1, O2, O3, O6]);
      });

      it('narrows to one office, which must be live and in scope', async () => {
        const one = (officeId: string, scope: 'production' | 'test' = 'production') =>
          officeChunk(db.k, { scope, afterId: null, limit: 10, officeIds: [officeId] }).then((os) =>
            os.map((o) => o.id),
          );
        expect(await one(O3)).toEqual([O3]);
        expect(await one(O4)).toEqual([]);
        expect(await one(O5)).toEqual([]);
        expect(await one(O5, 'test')).toEqual([O5]);
      });

      it('narrows to a list of offices, keyset-paged like the whole set', async () => {
        const page = (afterId: string | null, officeIds: string[]) =>
          officeChunk(db.k, { scope: 'production', afterId, limit: 1, officeIds }).then((os) =>
            os.map((o) => o.id),
          );
        expect(await page(null, [O6, O1, O4])).toEqual([O1]);
        expect(await page(O1, [O6, O1, O4])).toEqual([O6]); // O4 is not live
        expect(await page(O6, [O6, O1, O4])).toEqual([]);
        expect(await page(null, [])).toEqual([]);
      });

      it('is one statement', async () => {
        db.stats.reset();
        await officeChunk(db.k, { scope: 'production', afterId: null, limit: 1000 });
        expect(db.stats.snapshot()).toMatchObject({ read: 1, write: 0 });
      });
    });

    describe('staffForOffices', () => {
      it('maps preferences and lists every live office of each staff member, also outside the chunk', async () => {
        expect(await staffForOffices(db.k, [O1], 'production')).toEqual([
          {
            id: S1,
            email: 'staff1@office.example.jp',
            fullName: '職員 1',
            preferences: {
              emailNotification: true,
              systemNotification: true,
              inAppNotification: false,
              emailThresholdDays: 5,
              pushThresholdDays: 20,
            },
            offices: [
              { id: O1, name: 'みどり事業所' },
              { id: O3, name: 'ひまわり事業所' },
            ],
          },
          {
            id: S2,
            email: 'staff2@office.example.jp',
            fullName: '職員 2',
            preferences: { ...DEFAULT_PREFERENCES },
            offices: [{ id: O1, name: 'みどり事業所' }],
          },
        ]);
      });

      it('maps a push-only staff member', async () => {
        const [s6] = await staffForOffices(db.k, [O6], 'production');
        expect(s6?.preferences).toEqual({
          emailNotification: false,
          systemNotification: true,
          inAppNotification: true,
          emailThresholdDays: 10,
          pushThresholdDays: 5,
        });
      });

      it('leaves out deleted offices of a live staff member', async () => {
        const staff = await staffForOffices(db.k, [O2], 'production');
        expect(staff.map((s) => [s.id, s.offices.map((o) => o.id)])).toEqual([[S4, [O2]]]);
      });

      it('lists a staff member once per chunk, ordered by id', async () => {
        const staff = await staffForOffices(db.k, [O6, O3, O2, O1], 'production');
        expect(staff.map((s) => s.id)).toEqual([S1, S2, S4, S6]);
        expect(staff.find((s) => s.id === S1)?.offices.map((o) => o.id)).toEqual([O1, O3]);
      });

      it('separates production from test data', async () => {
        expect(await staffForOffices(db.k, [O5], 'production')).toEqual([]);
        expect(await staffForOffices(db.k, [O1], 'test')).toEqual([]);
        const test = await staffForOffices(db.k, [O5], 'test');
        expect(test.map((s) => [s.id, s.offices.map((o) => o.id)])).toEqual([[S5, [O5]]]);
      });

      it('is one statement, and none for an empty chunk', async () => {
        db.stats.reset();
        expect(await staffForOffices(db.k, [], 'production')).toEqual([]);
        expect(db.stats.snapshot().read).toBe(0);
        await staffForOffices(db.k, [O1, O2, O3, O6], 'production');
        expect(db.stats.snapshot()).toMatchObject({ read: 1, write: 0 });
      });
    });

    describe('latestCyclesForOffices', () => {
      it('returns latest cycles due within D+30 (overdue included) or without an assessment sheet', async () => {
        expect(await latestCyclesForOffices(db.k, [O1], D, WINDOW, 'production')).toEqual([
          recipientCycle(1, O1, '2026-12-16', true),
          recipientCycle(3, O1, '2027-03-01', false),
          recipientCycle(4, O1, '2026-11-20', true),
          recipientCycle(5, O1, null, false),
          recipientCycle(7, O1, '2026-12-31', true),
        ]);
      });

      it('moves the window with the run date', async () => {
        const recipients = async (date: string) =>
          (await latestCyclesForOffices(db.k, [O1], date, WINDOW, 'production')).map((c) => c.recipientId);
        expect(await recipients('2026-12-02')).toContain(id('r', 8));
        expect(await recipients('2026-11-01')).not.toContain(id('r', 7));
        expect(await recipients('2026-11-01')).toContain(id('r', 4));
      });

      it('orders by office, then recipient', async () => {
        const cycles = await latestCyclesForOffices(db.k, [O3, O2, O1], D, WINDOW, 'production');
        expect(cycles.map((c) => [c.officeId, c.recipientId])).toEqual([
          [O1, id('r', 1)],
          [O1, id('r', 3)],
          [O1, id('r', 4)],
          [O1, id('r', 5)],
          [O1, id('r', 7)],
          [O2, id('r', 10)],
          [O3, id('r', 11)],
        ]);
      });

      it('separates production from test data', async () => {
        expect(await latestCyclesForOffices(db.k, [O5], D, WINDOW, 'production')).toEqual([]);
        expect(await latestCyclesForOffices(db.k, [O5, O1], D, WINDOW, 'test')).toEqual([
          recipientCycle(13, O5, '2026-12-10', true),
        ]);
      });

      it('is one statement', async () => {
        db.stats.reset();
        expect(await latestCyclesForOffices(db.k, [], D, WINDOW, 'production')).toEqual([]);
        await latestCyclesForOffices(db.k, [O1, O2, O3, O6], D, WINDOW, 'production');
        expect(db.stats.snapshot()).toMatchObject({ read: 1, write: 0 });
      });
    });

    describe('officeWithLatestCycles', () => {
      it('returns what officeChunk and latestCyclesForOffices return for that office, for every office and date', async () => {
        for (const scope of ['production', 'test'] as const) {
          for (const office of [O1, O2, O3, O4, O5, O6, id('o', 99)]) {
            for (const date of ['2026-10-01', D, '2026-12-20', '2027-03-01']) {
              const [live] = await officeChunk(db.k, { scope, afterId: null, limit: 1, officeIds: [office] });
              const expected = live
                ? { office: live, cycles: await latestCyclesForOffices(db.k, [office], date, WINDOW, scope) }
                : null;
              expect(await officeWithLatestCycles(db.k, office, date, WINDOW, scope)).toEqual(expected);
            }
          }
        }
        // The fixture has offices with cycles to compare, not only empty lists.
        expect(
          (await officeWithLatestCycles(db.k, O1, D, WINDOW, 'production'))?.cycles.length,
        ).toBeGreaterThan(1);
      });

      it('is null for a deleted office and for an office of the other scope', async () => {
        expect(await officeWithLatestCycles(db.k, O4, D, WINDOW, 'production')).toBeNull();
        expect(await officeWithLatestCycles(db.k, O5, D, WINDOW, 'production')).toBeNull();
        expect(await officeWithLatestCycles(db.k, O1, D, WINDOW, 'test')).toBeNull();
      });

      it('is one statement', async () => {
        db.stats.reset();
        await officeWithLatestCycles(db.k, O1, D, WINDOW, 'production');
        expect(db.stats.snapshot()).toMatchObject({ read: 1, write: 0 });
      });
    });

    describe('pushSubscriptionsForStaff', () => {
      it("returns the staff members' devices ordered by staff, then id", async () => {
        expect(await pushSubscriptionsForStaff(db.k, [S4, S1])).toEqual([
          {
            id: id('p', 1),
            staffId: S1,
            endpoint: 'https://push.example.jp/send/1',
            p256dh: 'p256dh-1',
            auth: 'auth-1',
          },
          {
            id: id('p', 2),
            staffId: S1,
            endpoint: 'https://push.example.jp/send/2',
            p256dh: 'p256dh-2',
            auth: 'auth-2',
          },
          {
            id: id('p', 3),
            staffId: S4,
            endpoint: 'https://push.example.jp/send/3',
            p256dh: 'p256dh-3',
            auth: 'auth-3',
          },
        ]);
      });

      it('returns nothing for staff without devices, and runs no statement for no staff', async () => {
        expect(await pushSubscriptionsForStaff(db.k, [S2])).toEqual([]);
        db.stats.reset();
        expect(await pushSubscriptionsForStaff(db.k, [])).toEqual([]);
        expect(db.stats.snapshot().read).toBe(0);
      });
    });

    describe('planChunks digests across chunks', () => {
      it('sends a staff member in two offices of different chunks one email with two sections', async () => {
        const { chunks, notices, deliveries } = await planAll(db, { chunkSize: 1 });
        expect(chunks.map((c) => c.offices.map((o) => o.id))).toEqual([[O1], [O2], [O3], [O6]]);
        const s1 = notices.filter((n) => n.staffId === S1);
        expect(s1).toHaveLength(1);
        // Email threshold 5: the 15- and 30-day renewals stay out; overdue and assessments are kept.
        // An office with an overdue alert comes first (O1), then the others by name (product.md).
        expect(sectionsOf(s1[0])).toEqual([
          { office: O1, recipients: [id('r', 4), id('r', 3), id('r', 5)] },
          { office: O3, recipients: [id('r', 11)] },
        ]);
        const s1Email = deliveries.filter((d) => d.staffId === S1 && d.channel === 'email');
        expect(s1Email).toEqual([expect.objectContaining({ device: '', officeKey: '' })]);
        // Each staff member is planned in exactly one chunk.
        expect(chunks.reduce((n, c) => n + c.staffCount, 0)).toBe(4);
        expect(new Set(deliveries.map(deliveryKey)).size).toBe(deliveries.length);
      });

      it('plans the same notices and deliveries whatever the chunk size', async () => {
        const small = await planAll(db, { chunkSize: 1 });
        const large = await planAll(db, { chunkSize: 1000 });
        expect(large.chunks).toHaveLength(1);
        const byStaff = (notices: Notice[]) =>
          Object.fromEntries(notices.map((n) => [n.staffId, sectionsOf(n)]));
        expect(byStaff(small.notices)).toEqual(byStaff(large.notices));
        expect(small.deliveries.map(deliveryKey).sort()).toEqual(large.deliveries.map(deliveryKey).sort());
      });

      it('plans push per office and device, each channel on its own', async () => {
        const { notices, deliveries } = await planAll(db, { chunkSize: 1 });
        const push = deliveries
          .filter((d) => d.channel === 'push')
          .map((d) => [d.staffId, d.device, d.officeKey]);
        expect(push.sort()).toEqual(
          [
            [S1, id('p', 1), O1],
            [S1, id('p', 1), O3],
            [S1, id('p', 2), O1],
            [S1, id('p', 2), O3],
            // S4 has a device but push off (the default): nothing. S6 is push only (email off):
            // the 2-day renewal is within their push threshold of 5 days.
            [S6, id('p', 4), O6],
          ].sort(),
        );
        expect(notices.map((n) => n.staffId).sort()).toEqual([S1, S2, S4]);
      });

      it('splits the same staff member into one email per office with per-office grouping', async () => {
        const { notices, deliveries } = await planAll(db, { chunkSize: 1, grouping: 'per-office' });
        const s1 = notices.filter((n) => n.staffId === S1);
        expect(s1.map((n) => n.sections.map((s) => s.office.id))).toEqual([[O1], [O3]]);
        const keys = deliveries
          .filter((d) => d.staffId === S1 && d.channel === 'email')
          .map((d) => d.officeKey);
        expect(keys).toEqual([O1, O3]);
      });

      it('plans only test rows in the test scope', async () => {
        const { chunks, notices } = await planAll(db, { scope: 'test' });
        expect(chunks.map((c) => c.offices.map((o) => o.id))).toEqual([[O5]]);
        expect(notices.map((n) => n.staffId)).toEqual([S5]);
      });
    });
  });

  describe('statements as the data grows', () => {
    const seed = (offices: number) =>
      seedDatabase(db, { ...DEFAULT_SEED_OPTIONS, offices, baseDate: D, reset: true });

    /** Live production offices, and staff with at least one of them: what a run must cover. */
    async function liveCounts(): Promise<{ offices: number; staff: number }> {
      const { rows } = await sql<{ offices: number; staff: number }>`
        SELECT (SELECT count(*)::int FROM offices WHERE deleted_at IS NULL AND NOT is_test_data) AS offices,
               (SELECT count(DISTINCT s.id)::int FROM staffs s
                  JOIN office_staffs m ON m.staff_id = s.id JOIN offices o ON o.id = m.office_id
                 WHERE s.deleted_at IS NULL AND NOT s.is_test_data
                   AND o.deleted_at IS NULL AND NOT o.is_test_data) AS staff`.execute(db.k);
      const row = rows[0];
      if (!row) throw new Error('no counts');
      return row;
    }

    let small: Awaited<ReturnType<typeof planAll>>;
    let large: Awaited<ReturnType<typeof planAll>>;
    let largeBy100: Awaited<ReturnType<typeof planAll>>;
    let live: { offices: number; staff: number };

    beforeAll(async () => {
      await seed(10);
      small = await planAll(db, { chunkSize: 1000, push: true });
      await seed(500);
      live = await liveCounts();
      large = await planAll(db, { chunkSize: 1000, push: true });
      largeBy100 = await planAll(db, { chunkSize: 100, push: true });
      // Seeding 500 offices takes about 10 s on PGlite; more on a busy machine.
    }, 300_000);

    it('reads the same 4 statements for 10 offices as for 500', () => {
      expect(small.stats.read).toBe(4);
      expect(large.stats.read).toBe(small.stats.read);
      expect(small.stats.write).toBe(0);
      expect(large.stats.write).toBe(0);
      // The 4th read (push subscriptions) only happens when push notices exist: make sure it did.
      expect(small.deliveries.some((d) => d.channel === 'push')).toBe(true);
      expect(large.deliveries.some((d) => d.channel === 'push')).toBe(true);
    });

    it('covers every live office and plans each staff member once', () => {
      expect(live.offices).toBeGreaterThan(450);
      expect(large.chunks.reduce((n, c) => n + c.offices.length, 0)).toBe(live.offices);
      expect(large.chunks.reduce((n, c) => n + c.staffCount, 0)).toBe(live.staff);
      expect(largeBy100.chunks.reduce((n, c) => n + c.offices.length, 0)).toBe(live.offices);
      expect(largeBy100.chunks.reduce((n, c) => n + c.staffCount, 0)).toBe(live.staff);
    });

    it('takes ceil(n/100) chunks of 4 reads with a chunk size of 100', () => {
      const chunks = Math.ceil(live.offices / 100);
      expect(largeBy100.chunks).toHaveLength(chunks);
      expect(largeBy100.chunks.every((c) => c.offices.length <= 100)).toBe(true);
      // A last page that is exactly full needs one more (empty) office read to know it was the last.
      const emptyPageRead = live.offices % 100 === 0 ? 1 : 0;
      expect(largeBy100.stats.read).toBe(chunks * 4 + emptyPageRead);
      expect(largeBy100.stats.write).toBe(0);
    });

    it('plans the same deliveries with chunks of 100 as in one chunk, one email per staff member', () => {
      const keys = (r: typeof large) => r.deliveries.map(deliveryKey).sort();
      expect(keys(largeBy100)).toEqual(keys(large));
      const emailed = largeBy100.notices.map((n) => n.staffId);
      expect(new Set(emailed).size).toBe(emailed.length);
      expect(emailed.length).toBe(large.notices.length);
      // Some digests really do cross a chunk boundary (a staff member in two offices of two chunks).
      const chunkOf = new Map(largeBy100.chunks.flatMap((c, i) => c.offices.map((o) => [o.id, i] as const)));
      const crossing = largeBy100.notices.filter(
        (n) => new Set(n.sections.map((s) => chunkOf.get(s.office.id))).size > 1,
      );
      expect(crossing.length).toBeGreaterThan(0);
    });
  });
});
