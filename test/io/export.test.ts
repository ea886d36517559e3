// kigen export against a real database: import(export(x)) = x, for imported data and for data made
// before import existed (seeded rows keyed by their uuids); the templates import as an empty data set.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { seedDatabase, truncateAll } from '../../src/db/seed/load-seed.ts';
import { exportData, writeTemplates } from '../../src/io/export-data.ts';
import { importData } from '../../src/io/import-data.ts';
import { testEngines } from '../helpers/databases.ts';
import { useEmptyDatabase } from '../helpers/empty-database.ts';
import { csvFolder, dataFingerprint, VALID } from './io-fixtures.ts';

const LIMIT = { maxFileBytes: 64 * 1024 * 1024 };

async function readFolder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name), 'utf8');
  return out;
}

describe.each(testEngines())('kigen export on %s', (engine) => {
  const database = useEmptyDatabase(engine);
  let db: Db;
  beforeEach(() => {
    db = database();
  });

  it('writes what import reads: exporting, importing into an empty database and exporting again gives the same files', async () => {
    await importData(db, await csvFolder(VALID), LIMIT);
    const first = await csvFolder({});
    const files = await exportData(db, first);
    expect(files.map((f) => f.rows)).toEqual([2, 2, 3, 4, 3]);
    const exported = await readFolder(first);
    expect(exported['staff.csv']).toBe(
      '\uFEFFstaff_id,email,last_name,first_name,last_name_kana,first_name_kana,role,office_ids,email_notification,push_notification,in_app_notification,email_threshold_days,push_threshold_days,test_data\n' +
        'S1,sato@example.jp,佐藤,花子,サトウ,ハナコ,manager,A01;A02,true,false,true,30,10,false\n' +
        'S2,ando@example.jp,安藤,一郎,アンドウ,イチロウ,employee,A02,true,false,true,30,10,false\n',
    );
    expect(exported['cycles.csv']).toContain('A01,R2,1,2026-12-10\nA02,R1,1,\n');

    const before = await dataFingerprint(db);
    await truncateAll(db);
    await importData(db, first, LIMIT);
    // The audit log has one import row either way.
    expect(await dataFingerprint(db)).toBe(before);
    const second = await csvFolder({});
    await exportData(db, second);
    expect(await readFolder(second)).toEqual(exported);

    // Importing the export onto the data it came from changes nothing.
    const again = await importData(db, first, LIMIT);
    expect(Object.values(again.result ?? {})).toEqual(Array(5).fill({ added: 0, changed: 0 }));
  });

  it('round-trips seeded data keyed by uuid, onto itself and into an empty database', async () => {
    await seedDatabase(db, {
      offices: 6,
      staffPerOffice: 3,
      recipientsPerOffice: 4,
      seed: 7,
      baseDate: '2026-12-01',
      pushEndpointBase: 'https://push.example.test/',
      testDataShare: 0.2,
      reset: false,
    });
    const dir = await csvFolder({});
    await exportData(db, dir);
    const onItself = await importData(db, dir, LIMIT);
    expect(onItself.result?.offices).toEqual({ added: 0, changed: 0 });
    expect(onItself.result?.staff).toEqual({ added: 0, changed: 0 });
    expect(onItself.result?.cycles).toEqual({ added: 0, changed: 0 });
    expect(onItself.result?.deliverables).toEqual({ added: 0, changed: 0 });
    const exported = await readFolder(dir);
    await truncateAll(db);
    await importData(db, dir, LIMIT);
    const second = await csvFolder({});
    await exportData(db, second);
    expect(await readFolder(second)).toEqual(exported);
  });

  it('writes templates that import as nothing, in English or Japanese', async () => {
    for (const japanese of [false, true]) {
      const dir = await csvFolder({});
      await writeTemplates(dir, japanese);
      const report = await importData(db, dir, LIMIT);
      expect(report.files).toHaveLength(5);
      expect(report.result?.offices).toEqual({ added: 0, changed: 0 });
    }
    const ja = await csvFolder({});
    await writeTemplates(ja, true);
    expect(await readFile(join(ja, 'offices.csv'), 'utf8')).toBe('\uFEFF事業所ID,事業所名,テストデータ\n');
  });
});
