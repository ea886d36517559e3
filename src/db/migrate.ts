// Numbered, forward-only migrations, recorded in kysely_migration and applied in order.
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { KigenError } from '../config/errors.ts';
import * as m0001 from './migrations/0001-initial.ts';
import * as m0002 from './migrations/0002-plan-read-indexes.ts';
import * as m0003 from './migrations/0003-staff-email-check.ts';
import * as m0004 from './migrations/0004-sign-in-sessions-tokens.ts';
import * as m0005 from './migrations/0005-worker-leases.ts';
import * as m0006 from './migrations/0006-import-keys-readings-retention.ts';
import * as m0007 from './migrations/0007-staff-email-check-lengths.ts';
import type { Database } from './schema.ts';

const MIGRATIONS: Record<string, readonly string[]> = {
  '0001-initial': m0001.statements,
  '0002-plan-read-indexes': m0002.statements,
  '0003-staff-email-check': m0003.statements,
  '0004-sign-in-sessions-tokens': m0004.statements,
  '0005-worker-leases': m0005.statements,
  '0006-import-keys-readings-retention': m0006.statements,
  '0007-staff-email-check-lengths': m0007.statements,
};

/** The newest schema version this build knows; snapshots record it. */
export const SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1) as string;

function toMigration(statements: readonly string[]): Migration {
  return {
    async up(db) {
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}

export interface MigrationResult {
  applied: string[];
  version: string;
}

/** Applies every pending migration; safe to call before each command (it is a no-op when up to date). */
export async function migrateToLatest(k: Kysely<Database>): Promise<MigrationResult> {
  // The common case is an up-to-date schema: one cheap read instead of the Migrator's lock and checks.
  if ((await currentSchemaVersion(k)) === SCHEMA_VERSION) return { applied: [], version: SCHEMA_VERSION };
  const migrator = new Migrator({
    db: k,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(Object.entries(MIGRATIONS).map(([n, s]) => [n, toMigration(s)])),
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new KigenError(
      'MIGRATION_FAILED',
      `migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    version: SCHEMA_VERSION,
  };
}

/** The newest migration recorded in the database, or null for an empty database. */
export async function currentSchemaVersion(k: Kysely<Database>): Promise<string | null> {
  // Read the table itself: Migrator.getMigrations lists only the migrations its provider knows.
  const table = await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`.execute(k);
  if (!table.rows[0]?.t) return null;
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM kysely_migration ORDER BY name COLLATE "C" DESC LIMIT 1`.execute(k);
  return rows[0]?.name ?? null;
}

/** The schema is missing, older or newer than this kigen's, and the command may not migrate it. */
export class SchemaNotReadyError extends KigenError {
  readonly found: string | null;
  constructor(found: string | null, message: string) {
    super('SCHEMA_NOT_READY', message);
    this.name = 'SchemaNotReadyError';
    this.found = found;
  }
}

/**
 * For commands that must not write (a dry run, alerts, preview): checks that the database is at
 * this kigen's schema, without migrating it. Throws SchemaNotReadyError saying what to run.
 */
export async function assertSchemaCurrent(k: Kysely<Database>): Promise<void> {
  const found = await currentSchemaVersion(k);
  if (found === SCHEMA_VERSION) return;
  if (found === null) {
    throw new SchemaNotReadyError(
      null,
      'the database has no kigen schema (wrong DATABASE_URL or KIGEN_DATA_DIR?); create it with "kigen migrate" (this command changes nothing)',
    );
  }
  throw new SchemaNotReadyError(
    found,
    found > SCHEMA_VERSION
      ? `the database is at schema ${found}, newer than this kigen (${SCHEMA_VERSION}); upgrade kigen`
      : `the database is at schema ${found}, this kigen needs ${SCHEMA_VERSION}; run "kigen migrate" first (this command changes nothing)`,
  );
}
