// Databases for tests: an in-memory PGlite always, and a fresh database on the PostgreSQL server of
// TEST_DATABASE_URL when it is set (CI sets it when a server answers). Each call gets its own empty, migrated db.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** For child processes: DATABASE_URL of this database (postgres only). */
  url?: string;
  open(): Promise<Db>;
}

/** The engines to run database tests on: PGlite, plus PostgreSQL when TEST_DATABASE_URL is set. */
export function testEngines(): Array<'pglite' | 'postgres'> {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** Creates an empty PostgreSQL database on the test server and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set');
  const name = `kigen_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Opens a migrated database of the given engine; close() also drops a PostgreSQL test database. */
export async function openTestDatabase(engine: 'pglite' | 'postgres'): Promise<Db & { url?: string }> {
  if (engine === 'pglite') {
    const db = await openDatabase({ kind: 'pglite-memory' });
    await migrateToLatest(db.k);
    db.stats.reset();
    return db;
  }
  const created = await createPostgresDatabase();
  const db = await openDatabase({ kind: 'postgres', url: created.url });
  await migrateToLatest(db.k);
  db.stats.reset();
  return {
    ...db,
    url: created.url,
    async close() {
      await db.close();
      await created.drop();
    },
  };
}

/** An empty, unmigrated database of the engine; close() also drops a PostgreSQL one. */
export async function openEmptyDatabase(engine: 'pglite' | 'postgres'): Promise<Db> {
  if (engine === 'pglite') return openDatabase({ kind: 'pglite-memory' });
  const created = await createPostgresDatabase();
  const db = await openDatabase({ kind: 'postgres', url: created.url });
  return {
    ...db,
    async close() {
      await db.close();
      await created.drop();
    },
  };
}

/** Applies the given migrations only (by name, in order): a database an older kigen left. */
export async function migrateOnly(db: Db, migrations: Record<string, readonly string[]>): Promise<void> {
  const migrator = new Migrator({
    db: db.k,
    provider: {
      getMigrations: async () =>
        Object.fromEntries(
          Object.entries(migrations).map(([name, statements]) => [
            name,
            {
              async up(k: typeof db.k) {
                for (const s of statements) await sql.raw(s).execute(k);
              },
            },
          ]),
        ),
    },
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
