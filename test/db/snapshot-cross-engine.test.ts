// A snapshot saved on PGlite restores on PostgreSQL and the other way round, byte for byte.
// Runs when TEST_DATABASE_URL is set (CI sets it when a server answers).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { seedDatabase } from '../../src/db/seed/load-seed.ts';
import { restoreSnapshot, type SnapshotSummary, saveSnapshot } from '../../src/db/snapshot.ts';
import { planChunks } from '../../src/run/plan.ts';
import { openTestDatabase } from '../helpers/databases.ts';

async function seed(db: Db, seedNumber: number): Promise<void> {
  await seedDatabase(db, {
    offices: 15,
    staffPerOffice: 3,
    recipientsPerOffice: 5,
    seed: seedNumber,
    baseDate: '2026-12-01',
    pushEndpointBase: 'https://push.example.test/',
    testDataShare: 0.1,
    reset: false,
  });
  // Types whose text form depends on settings: timestamptz (TimeZone, DateStyle) and jsonb.
  await sql`INSERT INTO audit_logs (action, details, created_at)
    VALUES ('note', '{"b": [1, 2.50, "三"], "a": null}', '2026-06-30 23:59:59.999999-07')`.execute(db.k);
}

async function alertsOf(db: Db): Promise<unknown[]> {
  const out: unknown[] = [];
  const reader = createPlanReader(db, 'production');
  for await (const chunk of planChunks(reader, {
    runDate: '2026-12-07',
    chunkSize: 4,
    grouping: 'digest',
    push: true,
  })) {
    out.push([...chunk.alertsByOffice], chunk.deliveries);
  }
  return out;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('snapshots across engines', () => {
  let pglite: Db;
  let postgres: Db;
  let dir: string;
  let fromPglite: SnapshotSummary;
  let fromPostgres: SnapshotSummary;
  let pgliteAlerts: unknown[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kigen-snapshot-x-'));
    // One after the other: PGlite's start blocks the event loop longer than pg's connect timeout.
    pglite = await openTestDatabase('pglite');
    postgres = await openTestDatabase('postgres');
    await seed(pglite, 5);
    await seed(postgres, 6);
    pgliteAlerts = await alertsOf(pglite);
    fromPglite = await saveSnapshot(pglite, dir, 'from-pglite');
    fromPostgres = await saveSnapshot(postgres, dir, 'from-postgres');
  });
  afterAll(async () => {
    await Promise.all([pglite?.close(), postgres?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('restores a PGlite snapshot on PostgreSQL', async () => {
    expect(fromPglite.header.engine).toBe('pglite');
    await restoreSnapshot(postgres, dir, 'from-pglite', { replace: true });
    expect(await alertsOf(postgres)).toEqual(pgliteAlerts);
    const again = await saveSnapshot(postgres, dir, 'again', { overwrite: true });
    expect(again.header.tables).toEqual(fromPglite.header.tables);
    expect(again.header.sha256).toBe(fromPglite.header.sha256);
  });

  it('restores a PostgreSQL snapshot on PGlite', async () => {
    expect(fromPostgres.header.engine).toBe('postgres');
    expect(fromPostgres.header.sha256).not.toBe(fromPglite.header.sha256); // other data
    await restoreSnapshot(pglite, dir, 'from-postgres', { replace: true });
    const again = await saveSnapshot(pglite, dir, 'again', { overwrite: true });
    expect(again.header.sha256).toBe(fromPostgres.header.sha256);
  });
});
