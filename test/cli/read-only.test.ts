// Read-only commands (issue 11, item 10): `run --dry-run`, `alerts` and `preview` write nothing
// anywhere. They neither create an embedded database nor migrate a database; a missing or old
// schema is exit 2 with what to run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/database.ts';
import * as m0001 from '../../src/db/migrations/0001-initial.ts';
import * as m0002 from '../../src/db/migrations/0002-plan-read-indexes.ts';
import { createPostgresDatabase, migrateOnly, testEngines } from '../helpers/databases.ts';
import { startNode } from '../run/cli-process.ts';

const READ_ONLY_COMMANDS = [
  ['run', '--dry-run', '--date', '2026-12-01'],
  ['run', '--dry-run', '--json', '--date', '2026-12-01'],
  ['alerts', '--date', '2026-12-01'],
  ['preview', '--staff', 'taro@example.jp', '--date', '2026-12-01'],
];

const kigen = (args: string[], env: Record<string, string>) => startNode('src/cli/main.ts', args, env).result;

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-read-only-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function migrationNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db.k);
  return rows.map((r) => r.name);
}

describe('on an embedded data folder that has no database', () => {
  it.each(READ_ONLY_COMMANDS)('%s %s … exits 2, says what to run, and creates nothing', async (...args) => {
    const dataDir = fs.mkdtempSync(path.join(root, 'empty-'));
    const result = await kigen(args, { KIGEN_DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no embedded database in .*kigen migrate/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});

describe.each(testEngines())('on %s at an older schema', (engine) => {
  let env: Record<string, string>;
  let open: () => Promise<Db>;
  let drop = async () => {};
  beforeAll(async () => {
    if (engine === 'postgres') {
      const created = await createPostgresDatabase();
      drop = created.drop;
      env = { DATABASE_URL: created.url };
      open = () => openDatabase({ kind: 'postgres', url: created.url });
    } else {
      const dataDir = fs.mkdtempSync(path.join(root, 'old-'));
      env = { KIGEN_DATA_DIR: dataDir };
      open = () => openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    }
    const db = await open();
    try {
      await migrateOnly(db, { '0001-initial': m0001.statements, '0002-plan-read-indexes': m0002.statements });
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(() => drop());

  it('a dry run, alerts and preview exit 2 and leave it at that schema', { timeout: 300_000 }, async () => {
    for (const args of READ_ONLY_COMMANDS.slice(0, engine === 'postgres' ? 4 : 2)) {
      const result = await kigen(args, env);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(result.stderr).toMatch(
        /at schema 0002-plan-read-indexes, this kigen needs 0\d{3}-.*kigen migrate/,
      );
    }
    const db = await open();
    try {
      expect(await migrationNames(db)).toEqual(['0001-initial', '0002-plan-read-indexes']);
    } finally {
      await db.close();
    }
  });
});

describe.runIf(testEngines().includes('postgres'))('on an empty PostgreSQL database', () => {
  it('a dry run exits 2 and creates no table', { timeout: 120_000 }, async () => {
    const created = await createPostgresDatabase();
    try {
      const result = await kigen(READ_ONLY_COMMANDS[0] as string[], { DATABASE_URL: created.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/no kigen schema.*kigen migrate/);
      const db = await openDatabase({ kind: 'postgres', url: created.url });
      try {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(
          db.k,
        );
        expect(rows[0]?.n).toBe(0);
      } finally {
        await db.close();
      }
    } finally {
      await created.drop();
    }
  });
});
