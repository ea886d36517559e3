// Bulk-loads generated demo data: COPY per table per batch of 1,000 offices (multi-row CSV on PGlite).
import { sql } from 'kysely';
import { KigenError } from '../../config/errors.ts';
import { csvLines, type Db } from '../database.ts';
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

/**
 * Generates and loads the demo data in one transaction: a seed stopped midway (Ctrl-C, a crash, a
 * full disk) leaves the database as it was, with no half data set to clean up. With `reset`, the
 * old data is truncated inside the same transaction.
 */
export async function seedDatabase(
  db: Db,
  options: SeedOptions & { reset: boolean },
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedCounts> {
  if (!options.reset) {
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
  await db.copySession('write', async (session) => {
    if (options.reset) await session.execute(`TRUNCATE ${DATA_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    for (const batch of generateSeed(options, batchOffices)) {
      for (const key of Object.keys(SEED_TABLES) as (keyof SeedBatch)[]) {
        const rows = batch[key];
        if (rows.length > 0) await session.copyIn(SEED_TABLES[key], SEED_COLUMNS[key], csvSource(rows));
        counts[key] += rows.length;
      }
      onProgress(counts.offices, options.offices);
    }
  });
  // Statistics, and the visibility map: the plan reads through index-only scans, which visit the table for
  // every row until VACUUM marks its pages all-visible (autovacuum may be off, or not there yet).
  await sql.raw(`VACUUM (ANALYZE) ${DATA_TABLES.join(', ')}`).execute(db.k);
  return counts;
}

async function* csvSource(rows: readonly (readonly unknown[])[]): AsyncGenerator<Uint8Array> {
  yield Buffer.from([...csvLines(rows)].join(''), 'utf8');
}
