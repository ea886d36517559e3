// One database of an engine per test file, emptied before each test: for tests that load their own data.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase } from './databases.ts';

/** Registers the hooks; the returned function gives the open database inside a test. */
export function useEmptyDatabase(engine: 'pglite' | 'postgres'): () => Db {
  let db: Db | undefined;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  }, 180_000);
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    if (db) await truncateAll(db);
  });
  return () => {
    if (!db) throw new Error('the test database is not open yet');
    return db;
  };
}
