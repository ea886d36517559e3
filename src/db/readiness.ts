// Readiness of the database for the server: it answers within a second and its schema is current.
import { sql } from 'kysely';
import type { Db } from './database.ts';
import { currentSchemaVersion, SCHEMA_VERSION } from './migrate.ts';

export async function databaseReadiness(db: Db, timeoutMs = 1000): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const version = await Promise.race([
      sql`SELECT 1`.execute(db.k).then(() => currentSchemaVersion(db.k)),
      timeout,
    ]);
    return version === SCHEMA_VERSION
      ? []
      : [
          `database schema is at ${version ?? 'nothing'}, this build needs ${SCHEMA_VERSION}: run kigen migrate`,
        ];
  } catch (error) {
    return [`database unreachable: ${(error as Error).message}`];
  } finally {
    clearTimeout(timer);
  }
}
