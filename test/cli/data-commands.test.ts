// kigen import, export and prune as a user runs them: output, exit codes, and files on disk.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../helpers/databases.ts';
import { csvFolder, VALID } from '../io/io-fixtures.ts';
import { startNode } from '../run/cli-process.ts';

const kigen = (args: string[], env: Record<string, string>) => startNode('src/cli/main.ts', args, env).result;

// On PostgreSQL when the tests have one (each PGlite child process costs seconds to start), else embedded.
describe('kigen import / export / prune (CLI)', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it('writes templates, imports, reports bad rows with exit code 1, exports and prunes', async () => {
    if (process.env.TEST_DATABASE_URL) database = await createPostgresDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kigen-data-cli-'));
    const env: Record<string, string> = {
      KIGEN_DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
    };

    const templates = path.join(dataDir, 'templates');
    const template = await kigen(['import', '--template', '--japanese', templates], env);
    expect(template.code).toBe(0);
    expect(readFileSync(path.join(templates, 'staff.csv'), 'utf8')).toMatch(
      /^\uFEFF職員ID,メールアドレス,姓,名,セイ,メイ,/,
    );

    const dir = await csvFolder(VALID);
    const imported = await kigen(['import', dir], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('offices: 2 added, 0 changed\n');

    writeFileSync(path.join(dir, 'offices.csv'), 'office_id,name\nA01,さくら作業所\nA01,重複\n');
    const bad = await kigen(['import', dir], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('offices.csv:3: office_id "A01": this office id is already on line 2');
    expect(bad.stderr).toContain('kigen: nothing was imported: 1 problem in the input');

    const out = path.join(dataDir, 'export');
    const exported = await kigen(['export', out], env);
    expect(exported.code).toBe(0);
    expect(readFileSync(path.join(out, 'offices.csv'), 'utf8')).toBe(
      '\uFEFFoffice_id,name,test_data\nA01,さくら作業所,false\nA02,ひまわり工房,false\n',
    );

    const pruned = await kigen(['prune', '--dry-run', '--json'], env);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({
      dryRun: true,
      retention: { deliveryDays: 90, auditDays: 1095 },
      scrubbedPayloads: 0,
      deletedDeliveries: 0,
      deletedAuditRows: 0,
    });
  }, 400_000);
});
