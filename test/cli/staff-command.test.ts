// kigen staff role as a user runs it: the first app_admin of a fresh install, and clear usage errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createPostgresDatabase } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { startNode } from '../run/cli-process.ts';

const kigen = (args: string[], env: Record<string, string>) => startNode('src/cli/main.ts', args, env).result;

// On PostgreSQL when the tests have one, else on an embedded database (each child costs seconds there).
describe('kigen staff role (CLI)', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kigen-staff-cli-'));
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes a staff member app_admin with an audit row; a wrong role or address is a usage error', async () => {
    if (process.env.TEST_DATABASE_URL) database = await createPostgresDatabase();
    const env: Record<string, string> = {
      KIGEN_DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
    };
    const target = database
      ? ({ kind: 'postgres', url: database.url } as const)
      : ({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') } as const);
    let db = await openDatabase(target);
    await migrateToLatest(db.k);
    const f = createFixtures(db);
    const office = await f.office({ name: '事業所' });
    const owner = await f.staff({ offices: [office], role: 'owner', email: 'Sato.Hanako@example.jp' });
    await db.close();

    const made = await kigen(['staff', 'role', 'sato.hanako@example.jp', 'app_admin'], env);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('<Sato.Hanako@example.jp>: role owner → app_admin (audit row written');

    const badRole = await kigen(['staff', 'role', owner.email, 'admin'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('expected one of employee, manager, owner, app_admin, got "admin"');
    const nobody = await kigen(['staff', 'role', 'nobody@example.jp', 'owner'], env);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no live staff member "nobody@example.jp"');

    db = await openDatabase(target);
    try {
      const row = await db.k
        .selectFrom('staffs')
        .select('role')
        .where('id', '=', owner.id)
        .executeTakeFirst();
      expect(row?.role).toBe('app_admin');
      const audit = await db.k
        .selectFrom('audit_logs')
        .select(['actor_id', 'action'])
        .where('target_id', '=', owner.id)
        .execute();
      expect(audit).toEqual([{ actor_id: null, action: 'staff.role_changed' }]);
    } finally {
      await db.close();
    }
  }, 300_000);
});
