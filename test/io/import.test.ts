// kigen import against a real database: valid files in every accepted form land once (a second import
// updates instead of duplicating); every kind of bad input is reported and changes nothing.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { type ImportProblem, ImportRejectedError, importData } from '../../src/io/import-data.ts';
import { planChunks } from '../../src/run/plan.ts';
import { testEngines } from '../helpers/databases.ts';
import { useEmptyDatabase } from '../helpers/empty-database.ts';
import { csvFolder, dataFingerprint, VALID } from './io-fixtures.ts';

const LIMIT = { maxFileBytes: 64 * 1024 * 1024 };

async function rejected(db: Db, target: string): Promise<ImportProblem[]> {
  const before = await dataFingerprint(db);
  const error = await importData(db, target, LIMIT).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportRejectedError);
  expect(await dataFingerprint(db)).toBe(before);
  return (error as ImportRejectedError).problems;
}

describe.each(testEngines())('kigen import on %s', (engine) => {
  const database = useEmptyDatabase(engine);
  let db: Db;
  beforeEach(() => {
    db = database();
  });

  it('imports offices, staff, memberships, recipients, cycles and deliverables, and re-imports as updates', async () => {
    const dir = await csvFolder(VALID);
    const report = await importData(db, dir, LIMIT);
    expect(report.result).toEqual({
      offices: { added: 2, changed: 0 },
      staff: { added: 2, changed: 0 },
      recipients: { added: 3, changed: 0 },
      cycles: { added: 4, changed: 0 },
      deliverables: { added: 3, changed: 0 },
    });
    const staff = await db.k.selectFrom('staffs').selectAll().orderBy('external_id').execute();
    expect(
      staff.map((s) => [s.external_id, s.full_name, s.last_name_reading, s.first_name_reading, s.role]),
    ).toEqual([
      ['S1', '佐藤 花子', 'サトウ', 'ハナコ', 'manager'],
      ['S2', '安藤 一郎', 'アンドウ', 'イチロウ', 'employee'],
    ]);
    const memberships = await sql<{ s: string; o: string; p: boolean }>`
      SELECT s.external_id AS s, o.external_id AS o, m.is_primary AS p FROM office_staffs m
        JOIN staffs s ON s.id = m.staff_id JOIN offices o ON o.id = m.office_id ORDER BY 1, 2`.execute(db.k);
    expect(memberships.rows).toEqual([
      { s: 'S1', o: 'A01', p: true },
      { s: 'S1', o: 'A02', p: false },
      { s: 'S2', o: 'A02', p: true },
    ]);
    const cycles = await sql<{ r: string; n: number; d: string | null; l: boolean }>`
      SELECT o.external_id || '/' || r.external_id AS r, c.cycle_number AS n, c.next_renewal_deadline AS d, c.is_latest_cycle AS l
        FROM support_plan_cycles c JOIN welfare_recipients r ON r.id = c.welfare_recipient_id JOIN offices o ON o.id = c.office_id
       ORDER BY 1, 2`.execute(db.k);
    expect(cycles.rows).toEqual([
      { r: 'A01/R1', n: 1, d: '2026-06-01', l: false },
      { r: 'A01/R1', n: 2, d: '2026-12-10', l: true },
      { r: 'A01/R2', n: 1, d: '2026-12-10', l: true },
      { r: 'A02/R1', n: 1, d: null, l: true },
    ]);

    const again = await importData(db, dir, LIMIT);
    expect(again.result?.offices).toEqual({ added: 0, changed: 0 });
    expect(again.result?.cycles).toEqual({ added: 0, changed: 0 });
    expect(again.result?.deliverables).toEqual({ added: 0, changed: 0 });

    // A changed deadline and a new third cycle: updated and added, the latest moves to cycle 3.
    const next = await csvFolder({
      'cycles.csv':
        'office_id,recipient_id,cycle_number,next_renewal_deadline\nA01,R2,1,2026-12-06\nA01,R2,2,2027-06-01\n',
    });
    const moved = await importData(db, next, LIMIT);
    expect(moved.result?.cycles).toEqual({ added: 1, changed: 1 });
    const latest = await sql<{ n: number }>`SELECT c.cycle_number AS n FROM support_plan_cycles c
      JOIN welfare_recipients r ON r.id = c.welfare_recipient_id WHERE r.external_id = 'R2' AND c.is_latest_cycle`.execute(
      db.k,
    );
    expect(latest.rows).toEqual([{ n: 2 }]);
  });

  it('lets staff swap their e-mail addresses, and a new staff member take a freed one, in one file', async () => {
    await importData(db, await csvFolder(VALID), LIMIT);
    const header = 'staff_id,email,last_name,first_name,office_ids\n';
    // S1 and S2 swap; then S1 takes S2's new address, S2 a new one, and new S3 takes S1's old one.
    const swapped = await importData(
      db,
      await csvFolder({
        'staff.csv': `${header}S1,ando@example.jp,佐藤,花子,A01;A02\nS2,sato@example.jp,安藤,一郎,A02\n`,
      }),
      LIMIT,
    );
    expect(swapped.result?.staff).toEqual({ added: 0, changed: 2 });
    const rotated = await importData(
      db,
      await csvFolder({
        'staff.csv': `${header}S1,sato@example.jp,佐藤,花子,A01;A02\nS2,ito@example.jp,安藤,一郎,A02\nS3,ando@example.jp,伊藤,三郎,A01\n`,
      }),
      LIMIT,
    );
    expect(rotated.result?.staff).toEqual({ added: 1, changed: 2 });
    const emails = await db.k
      .selectFrom('staffs')
      .select(['external_id', 'email'])
      .orderBy('external_id')
      .execute();
    expect(emails).toEqual([
      { external_id: 'S1', email: 'sato@example.jp' },
      { external_id: 'S2', email: 'ito@example.jp' },
      { external_id: 'S3', email: 'ando@example.jp' },
    ]);
  });

  it('shows imported recipients in 五十音順 of their furigana in the alerts of the run', async () => {
    await importData(db, await csvFolder(VALID), LIMIT);
    const names: string[] = [];
    for await (const chunk of planChunks(createPlanReader(db, 'production'), {
      runDate: '2026-12-01',
      chunkSize: 10,
      grouping: 'digest',
      push: false,
    })) {
      for (const alerts of chunk.alertsByOffice.values())
        names.push(...alerts.map((a) => `${a.type}:${a.name}`));
    }
    // Same deadline: code-point order would put 佐藤 (U+4F50) before 安藤 (U+5B89).
    expect(names).toEqual([
      'renewal_deadline:安藤 三郎',
      'renewal_deadline:佐藤 次郎',
      'assessment_incomplete:安藤 三郎',
      'assessment_incomplete:佐藤 次郎',
    ]);
  });

  it('reads Japanese headers, Shift_JIS made by Excel, era dates and full-width digits', async () => {
    const offices = '事業所ID,事業所名,,\r\nＡ０１,さくら作業所,,\r\n';
    const recipients = '事業所ID,利用者ID,姓,名,セイ,メイ\r\nA01,００７,佐藤,次郎,ｻﾄｳ,じろう\r\n';
    const cycles =
      '事業所ID,利用者ID,サイクル番号,次回更新期限\r\nA01,007,1,令和9年1月5日\r\nA01,007,2,R9.7.5\r\n';
    const dir = await csvFolder({
      'offices.csv': iconv.encode(offices, 'Shift_JIS'),
      'recipients.csv': iconv.encode(recipients, 'Shift_JIS'),
      'cycles.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cycles)]),
    });
    const report = await importData(db, dir, LIMIT);
    expect(report.files.map((f) => f.encoding)).toEqual(['shift_jis', 'shift_jis', 'utf-8 (BOM)']);
    const rows = await sql<{ o: string; n: string; r: string; k: string; d: string }>`
      SELECT o.external_id AS o, o.name AS n, r.external_id AS r, r.last_name_reading || ' ' || r.first_name_reading AS k,
             c.next_renewal_deadline AS d
        FROM support_plan_cycles c JOIN welfare_recipients r ON r.id = c.welfare_recipient_id
        JOIN offices o ON o.id = c.office_id WHERE c.is_latest_cycle`.execute(db.k);
    expect(rows.rows).toEqual([
      { o: 'A01', n: 'さくら作業所', r: '007', k: 'サトウ ジロウ', d: '2027-07-05' },
    ]);
  });

  it('reports every bad cell with file, line, column and value, and writes nothing', async () => {
    const dir = await csvFolder({
      ...VALID,
      'staff.csv':
        'staff_id,email,last_name,first_name,role,office_ids,email_threshold_days\n' +
        'S1,sato@@example.jp,佐藤,花子,manager,A01,30\n' +
        'S2,ando@example.jp,安藤,一郎,chief,,7\n' +
        'S3,ito@example.jp,伊藤,,employee,A09,5\n',
      'cycles.csv':
        'office_id,recipient_id,cycle_number,next_renewal_deadline\nA01,R1,1,2026-02-30\nA01,R9,1,2026-12-01\nA01,R1,1,2026-12-01\n',
    });
    const problems = await rejected(db, dir);
    const lines = problems.map((p) => `${p.file}:${p.line}:${p.column ?? ''}:${p.value ?? ''}: ${p.message}`);
    expect(lines).toEqual([
      'staff.csv:2:email:sato@@example.jp: not an e-mail address (like name@example.jp): the address has more than one @',
      'staff.csv:3:role:chief: must be one of employee, manager, owner, app_admin',
      'staff.csv:3:office_ids:: the staff member is in no office: list at least one office id',
      'staff.csv:3:email_threshold_days:7: must be one of 5, 10, 20, 30 (days)',
      'staff.csv:4:first_name:: empty',
      'cycles.csv:2:next_renewal_deadline:2026-02-30: no such date (check day and month)',
      'staff.csv:4:office_ids:A09: no office with this id, in offices.csv or in the database',
      'cycles.csv:3:recipient_id:R9: no recipient with this id in office A01, in recipients.csv or in the database',
      'cycles.csv:4:cycle_number:1: this cycle of this recipient is already on line 2',
      // cycles.csv above no longer has these cycles
      'deliverables.csv:3:cycle_number:2: no cycle 2 of recipient R1 in office A01, in cycles.csv or in the database',
      'deliverables.csv:4:cycle_number:1: no cycle 1 of recipient R1 in office A02, in cycles.csv or in the database',
    ]);
  });

  it.each([
    ['a wrong header', { 'offices.csv': 'office,name\nA01,x\n' }, 'offices.csv:1: unknown column'],
    ['a missing column', { 'offices.csv': 'office_id\nA01\n' }, 'offices.csv:1: missing column "name"'],
    [
      'an unknown office id',
      { 'recipients.csv': 'office_id,recipient_id,last_name,first_name\nZZ,R1,a,b\n' },
      'recipients.csv:2: no office with this id',
    ],
    [
      'duplicate keys in one file',
      { 'offices.csv': 'office_id,name\nA01,x\nA02,y\nA01,z\n' },
      'offices.csv:4: this office id is already on line 2',
    ],
    [
      'a file cut off inside a quoted field',
      { 'offices.csv': 'office_id,name\nA01,"さくら\n' },
      'offices.csv:2: the file ends inside a quoted field',
    ],
    [
      'a file cut off mid-row',
      { 'offices.csv': 'office_id,name,test_data\nA01,さくら,false\nA02' },
      'offices.csv:3: 1 cells where the header has 3',
    ],
    [
      'a file cut off inside a character',
      { 'offices.csv': Buffer.from('office_id,name\nA01,さくら').subarray(0, -1) },
      'offices.csv:2: the file ends in the middle of a character',
    ],
    ['an empty file', { 'offices.csv': '' }, 'offices.csv:1: the file is empty'],
    ['an unknown file name', { 'people.csv': 'a\n1\n' }, 'people.csv:0: not a file kigen imports'],
    [
      'a deliverable of a cycle that does not exist',
      {
        ...VALID,
        'deliverables.csv':
          'office_id,recipient_id,cycle_number,deliverable_type\nA01,R1,3,assessment_sheet\n',
      },
      'deliverables.csv:2: no cycle 3 of recipient R1 in office A01',
    ],
    [
      'an e-mail address another staff member has',
      {
        ...VALID,
        'staff.csv':
          'staff_id,email,last_name,first_name,office_ids\nS1,x@example.jp,a,b,A01\nS2,x@example.jp,c,d,A01\n',
      },
      'staff.csv:3: this e-mail address is already on line 2',
    ],
  ])('rejects %s', async (_, files, expected) => {
    const problems = await rejected(db, await csvFolder(files));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n')).toContain(expected);
  });

  it('leaves the database unchanged when only the last of many rows is wrong', async () => {
    await importData(db, await csvFolder(VALID), LIMIT);
    const rows = Array.from({ length: 2000 }, (_, i) => `B${i},事業所${i}`);
    rows.push('B2000,');
    const problems = await rejected(
      db,
      await csvFolder({ 'offices.csv': `office_id,name\n${rows.join('\n')}\n` }),
    );
    expect(problems).toEqual([
      { file: 'offices.csv', line: 2002, column: 'name', value: '', message: 'empty' },
    ]);
    const count = await db.k
      .selectFrom('offices')
      .select(db.k.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(2);
  });

  it('refuses a 1 GB file by its size before reading it', async () => {
    const dir = await csvFolder({ 'offices.csv': '' });
    const handle = await open(join(dir, 'offices.csv'), 'r+');
    await handle.truncate(1024 * 1024 * 1024); // sparse: instant, no disk used
    await handle.close();
    const started = performance.now();
    const problems = await rejected(db, dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(problems[0]?.message).toMatch(/^1024 MB is over the 64 MB limit/);
    expect((await stat(join(dir, 'offices.csv'))).size).toBe(1024 * 1024 * 1024);
  });
});
