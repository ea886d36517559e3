// Migrations: applied once, then a no-op; the constraints the original schema lacked; DATE columns as
// 'YYYY-MM-DD' strings whatever TZ the process runs under.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import {
  currentSchemaVersion,
  type MigrationResult,
  migrateToLatest,
  SCHEMA_VERSION,
} from '../../src/db/migrate.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openEmptyDatabase, testEngines } from '../helpers/databases.ts';
import {
  insertCycle,
  insertMembership,
  insertOffice,
  insertPushSubscription,
  insertRecipient,
  insertStaff,
  sqlState,
} from './fixtures.ts';

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

describe.each(testEngines())('migrations on %s', (engine) => {
  let db: Db;
  let first: MigrationResult;
  let versionBefore: string | null;

  beforeAll(async () => {
    db = await openEmptyDatabase(engine);
    versionBefore = await currentSchemaVersion(db.k);
    first = await migrateToLatest(db.k);
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('migrateToLatest', () => {
    it('applies every migration on an empty database', async () => {
      expect(versionBefore).toBeNull();
      expect(first.applied).toEqual([
        '0001-initial',
        '0002-plan-read-indexes',
        '0003-staff-email-check',
        '0004-sign-in-sessions-tokens',
        '0005-worker-leases',
        '0006-import-keys-readings-retention',
        '0007-staff-email-check-lengths',
      ]);
      expect(first.version).toBe(SCHEMA_VERSION);
      expect(await currentSchemaVersion(db.k)).toBe(SCHEMA_VERSION);
      const { rows } = await sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(
        db.k,
      );
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'audit_logs',
          'deliveries',
          'office_staffs',
          'offices',
          'plan_deliverables',
          'push_subscriptions',
          'runs',
          'staffs',
          'support_plan_cycles',
          'welfare_recipients',
        ]),
      );
    });

    it('gives the plan reads their index-only indexes', async () => {
      const { rows } = await sql<{ indexname: string; indexdef: string }>`
        SELECT indexname, indexdef FROM pg_indexes
         WHERE indexname IN ('support_plan_cycles_latest_by_office', 'plan_deliverables_assessment', 'staffs_plan_fields')
         ORDER BY indexname`.execute(db.k);
      expect(rows.map((r) => r.indexname)).toEqual([
        'plan_deliverables_assessment',
        'staffs_plan_fields',
        'support_plan_cycles_latest_by_office',
      ]);
      expect(rows[2]?.indexdef).toMatch(/INCLUDE \(id, welfare_recipient_id\) WHERE is_latest_cycle/);
    });

    it('is a no-op the second time: nothing applied, no DDL', async () => {
      db.stats.reset();
      const again = await migrateToLatest(db.k);
      expect(again).toEqual({ applied: [], version: SCHEMA_VERSION });
      expect(db.stats.snapshot().ddl).toBe(0);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM kysely_migration`.execute(
        db.k,
      );
      expect(rows[0]?.n).toBe(first.applied.length);
    });

    it('reports the newest recorded migration, also one this build does not know', async () => {
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('0999-from-a-newer-build', ${new Date().toISOString()})`.execute(
        db.k,
      );
      try {
        expect(await currentSchemaVersion(db.k)).toBe('0999-from-a-newer-build');
      } finally {
        await sql`DELETE FROM kysely_migration WHERE name = '0999-from-a-newer-build'`.execute(db.k);
      }
      expect(await currentSchemaVersion(db.k)).toBe(SCHEMA_VERSION);
    });
  });

  describe('constraints', () => {
    let office: string;
    let staff: string;
    let recipient: string;

    beforeEach(async () => {
      await truncateAll(db);
      office = await insertOffice(db, 1);
      staff = await insertStaff(db, 1);
      recipient = await insertRecipient(db, 1);
    });

    it('allows a staff member in an office only once', async () => {
      await insertMembership(db, staff, office, true);
      expect(await sqlState(insertMembership(db, staff, office, false))).toBe(UNIQUE_VIOLATION);
      // The same staff member in another office is fine.
      await insertMembership(db, staff, await insertOffice(db, 2), false);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM office_staffs`.execute(db.k);
      expect(rows[0]?.n).toBe(2);
    });

    it('allows one latest cycle per recipient, and any number of earlier ones', async () => {
      await insertCycle(db, 1, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 1,
        deadline: null,
        latest: false,
      });
      await insertCycle(db, 2, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 2,
        deadline: null,
        latest: false,
      });
      await insertCycle(db, 3, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 3,
        deadline: '2026-12-16',
        latest: true,
      });
      const second = insertCycle(db, 4, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 4,
        deadline: '2027-06-16',
        latest: true,
      });
      expect(await sqlState(second)).toBe(UNIQUE_VIOLATION);
      // Another recipient has a latest cycle of their own.
      const other = await insertRecipient(db, 2);
      await insertCycle(db, 5, {
        recipientId: other,
        officeId: office,
        deadline: '2026-12-20',
        latest: true,
      });
    });

    it('does not let an update create a second latest cycle', async () => {
      await insertCycle(db, 1, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 1,
        deadline: null,
        latest: false,
      });
      await insertCycle(db, 2, {
        recipientId: recipient,
        officeId: office,
        cycleNumber: 2,
        deadline: null,
        latest: true,
      });
      const update = db.k
        .updateTable('support_plan_cycles')
        .set({ is_latest_cycle: true })
        .where('cycle_number', '=', 1)
        .execute();
      expect(await sqlState(update)).toBe(UNIQUE_VIOLATION);
    });

    it('keeps push endpoints unique', async () => {
      await insertPushSubscription(db, 1, staff, 'https://push.example.jp/send/same');
      const other = await insertStaff(db, 2);
      expect(await sqlState(insertPushSubscription(db, 2, other, 'https://push.example.jp/send/same'))).toBe(
        UNIQUE_VIOLATION,
      );
      await insertPushSubscription(db, 3, other, 'https://push.example.jp/send/other');
    });

    it.each([5, 10, 20, 30])('accepts threshold %i for both channels', async (days) => {
      await insertStaff(db, 10 + days, { emailDays: days, pushDays: days });
    });

    it.each([0, 1, 7, 15, 31, -5])('rejects threshold %i for email and for push', async (days) => {
      expect(await sqlState(insertStaff(db, 2, { emailDays: days }))).toBe(CHECK_VIOLATION);
      expect(await sqlState(insertStaff(db, 3, { pushDays: days }))).toBe(CHECK_VIOLATION);
    });

    it('requires at least one channel on', async () => {
      const allOff = insertStaff(db, 2, { email: false, push: false, inApp: false });
      expect(await sqlState(allOff)).toBe(CHECK_VIOLATION);
      await insertStaff(db, 3, { email: false, push: false, inApp: true });
      await insertStaff(db, 4, { email: false, push: true, inApp: false });
      await insertStaff(db, 5, { email: true, push: false, inApp: false });
      const turnOff = db.k
        .updateTable('staffs')
        .set({ email_notification: false, system_notification: false, in_app_notification: false })
        .where('id', '=', staff)
        .execute();
      expect(await sqlState(turnOff)).toBe(CHECK_VIOLATION);
    });

    it('applies the defaults of product.md to new staff', async () => {
      const row = await db.k
        .selectFrom('staffs')
        .select([
          'email_notification',
          'system_notification',
          'in_app_notification',
          'email_threshold_days',
          'push_threshold_days',
        ])
        .where('id', '=', staff)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({
        email_notification: true,
        system_notification: false,
        in_app_notification: true,
        email_threshold_days: 30,
        push_threshold_days: 10,
      });
    });
  });

  describe('DATE columns', () => {
    const originalTz = process.env.TZ;

    beforeAll(async () => {
      // pg's default DATE parser would build a Date at local midnight: 2026-12-15T15:00Z in Tokyo.
      process.env.TZ = 'Asia/Tokyo';
      await truncateAll(db);
    });
    afterAll(() => {
      if (originalTz === undefined) delete process.env.TZ;
      else process.env.TZ = originalTz;
    });

    it('runs this block under TZ=Asia/Tokyo', () => {
      expect(new Date(2026, 11, 16).toISOString()).toBe('2026-12-15T15:00:00.000Z');
    });

    it("returns a DATE column as the 'YYYY-MM-DD' string that was stored", async () => {
      const office = await insertOffice(db, 1);
      const recipient = await insertRecipient(db, 1);
      await insertCycle(db, 1, {
        recipientId: recipient,
        officeId: office,
        deadline: '2026-12-16',
        latest: true,
      });
      const row = await db.k
        .selectFrom('support_plan_cycles')
        .select('next_renewal_deadline')
        .executeTakeFirstOrThrow();
      expect(row.next_renewal_deadline).toBe('2026-12-16');
    });

    it('returns DATE expressions and run dates as strings too', async () => {
      const { rows } = await sql<{ d: unknown; later: unknown; jan1: unknown }>`
        SELECT ${'2026-12-16'}::date AS d, ${'2026-12-16'}::date + 30 AS later, DATE '2027-01-01' AS jan1`.execute(
        db.k,
      );
      expect(rows[0]).toEqual({ d: '2026-12-16', later: '2027-01-15', jan1: '2027-01-01' });

      await sql`INSERT INTO runs (run_date, scope, status) VALUES (${'2026-12-16'}, 'production', 'running')`.execute(
        db.k,
      );
      const run = await db.k.selectFrom('runs').select('run_date').executeTakeFirstOrThrow();
      expect(run.run_date).toBe('2026-12-16');
    });
  });
});
