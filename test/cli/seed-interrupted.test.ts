// `kigen seed` killed midway leaves nothing behind (issue 11, item 12): the data set is loaded in
// one transaction. PostgreSQL only: there the test can see the COPY running before it kills.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createPostgresDatabase, testEngines } from '../helpers/databases.ts';
import { startNode } from '../run/cli-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(testEngines().includes('postgres'))('seed stopped midway on PostgreSQL', () => {
  it('SIGKILL while loading leaves an empty database', { timeout: 180_000 }, async () => {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ kind: 'postgres', url: created.url });
    try {
      await migrateToLatest(db.k);
      const name = new URL(created.url).pathname.slice(1);
      const { child, result } = startNode('src/cli/main.ts', ['seed', '--offices', '50000'], {
        DATABASE_URL: created.url,
      });
      // Wait until the child is loading rows, then for several batches of 1,000 offices to go by.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name} AND query LIKE 'COPY %'`.execute(
          db.k,
        );
        if ((rows[0]?.n ?? 0) > 0) break;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error('the seed never started loading');
        await sleep(50);
      }
      await sleep(5000);
      expect(child.exitCode).toBeNull(); // still loading: the kill really is midway
      child.kill('SIGKILL');
      await result;
      const counts = await sql<{ offices: number; staffs: number }>`
        SELECT (SELECT count(*)::int FROM offices) AS offices, (SELECT count(*)::int FROM staffs) AS staffs`.execute(
        db.k,
      );
      expect(counts.rows[0]).toEqual({ offices: 0, staffs: 0 });
    } finally {
      await db.close();
      await created.drop();
    }
  });
});
