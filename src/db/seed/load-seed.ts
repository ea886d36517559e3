// Bulk-loads generated demo data: COPY per table per batch of 1,000 offices (multi-row CSV on PGlite).
import { sql } from 'kysely';
import { KigenError } from '../../config/errors.ts';
import type { Db } from '../database.ts';
import { generateSeed, SEED_COLUMNS, SEED_TABLES, type SeedBatch, type SeedOptions } from './generate.ts';

export interface SeedCounts {
  offices: number;
  staffs: number;
  officeStaffs: number;
  recipients: number;
  cycles: number;
  deliverables: number;
  pushSubscriptions: number;
}

/** Every table with data, in an order that TRUNCATE … CASCADE accepts. */
const DATA_TABLES = [
  'deliveries',
  'runs',
  'audit_logs',
  'push_subscriptions',
  'plan_deliverables',
  'support_plan_cycles',
  'welfare_recipients',
  'office_staffs',
  'staffs',
  'offices',
] as const;

export async function truncateAll(db: Db): Promise<void> {
  await sql.raw(`TRUNCATE ${DATA_TABLES.join(', ')} RESTART IDENTITY CASCADE`).execute(db.k);
}

export async function seedDatabase(
  db: Db,
  options: SeedOptions & { reset: boolean },
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedCounts> {
  if (options.reset) {
    await truncateAll(db);
  } else {
    const existing = await db.k
      .selectFrom('offices')
      .select(db.k.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    if (Number(existing?.n ?? 0) > 0) {
      throw new KigenError(
        'SEED_NOT_EMPTY',
        `the database already has ${existing?.n} offices; run "kigen seed --reset …" to replace all data, or use another KIGEN_DATA_DIR / DATABASE_URL`,
      );
    }
  }
  const counts: SeedCounts = {
    offices: 0,
    staffs: 0,
    officeStaffs: 0,
    recipients: 0,
    cycles: 0,
    deliverables: 0,
    pushSubscriptions: 0,
  };
  const batchOffices = 1000;
  for (const batch of generateSeed(options, batchOffices)) {
    for (const key of Object.keys(SEED_TABLES) as (keyof SeedBatch)[]) {
      await db.copyRows(SEED_TABLES[key], SEED_COLUMNS[key], batch[key]);
      counts[key] += batch[key].length;
    }
    onProgress(counts.offices, options.offices);
  }
  await sql`ANALYZE`.execute(db.k);
  return counts;
}
