// CSV folders for the import and export tests, and a fingerprint of every table an import writes.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';

/** A small valid data set, in the English layout. */
export const VALID: Record<string, string> = {
  'offices.csv': 'office_id,name,test_data\nA01,さくら作業所,false\nA02,ひまわり工房,\n',
  'staff.csv':
    'staff_id,email,last_name,first_name,last_name_kana,first_name_kana,role,office_ids,email_notification,push_notification,in_app_notification,email_threshold_days,push_threshold_days,test_data\n' +
    'S1,sato@example.jp,佐藤,花子,さとう,はなこ,manager,A01;A02,true,false,true,30,10,false\n' +
    'S2,ando@example.jp,安藤,一郎,アンドウ,イチロウ,,A02,,,,,,\n',
  'recipients.csv':
    'office_id,recipient_id,last_name,first_name,last_name_kana,first_name_kana,test_data\n' +
    'A01,R1,佐藤,次郎,サトウ,ジロウ,\nA01,R2,安藤,三郎,アンドウ,サブロウ,\nA02,R1,伊藤,四郎,,,\n',
  'cycles.csv':
    'office_id,recipient_id,cycle_number,next_renewal_deadline\n' +
    'A01,R1,1,2026-06-01\nA01,R1,2,2026/12/10\nA01,R2,1,令和8年12月10日\nA02,R1,１,\n',
  'deliverables.csv':
    'office_id,recipient_id,cycle_number,deliverable_type\nA01,R1,1,assessment_sheet\nA01,R1,2,draft_plan_pdf\nA02,R1,1,アセスメントシート\n',
};

/** Writes files (text as UTF-8, or bytes as given) into a new temporary folder. */
export async function csvFolder(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kigen-io-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** Every row an import can write (ids left out where they are generated), in a stable order. */
export async function dataFingerprint(db: Db): Promise<string> {
  const all = (values: string, from: string) =>
    `(SELECT string_agg(v, ';' ORDER BY v COLLATE "C") FROM (SELECT concat_ws(',', ${values}) AS v FROM ${from}) x)`;
  const office = (alias: string) =>
    `(SELECT coalesce(external_id, id::text) FROM offices WHERE id = ${alias}.office_id)`;
  const parts = [
    all('coalesce(external_id, id::text), name, is_test_data', 'offices'),
    all(
      `coalesce(external_id, id::text), email, full_name, last_name_reading, first_name_reading, role, email_notification,
       system_notification, in_app_notification, email_threshold_days, push_threshold_days, is_test_data`,
      'staffs',
    ),
    all(
      `(SELECT coalesce(external_id, id::text) FROM staffs WHERE id = m.staff_id), ${office('m')}, is_primary`,
      'office_staffs m',
    ),
    all(
      `${office('r')}, coalesce(external_id, id::text), last_name, first_name, last_name_reading, first_name_reading`,
      'welfare_recipients r',
    ),
    all(
      `${office('c')}, (SELECT coalesce(external_id, id::text) FROM welfare_recipients WHERE id = c.welfare_recipient_id),
       cycle_number, next_renewal_deadline, is_latest_cycle`,
      'support_plan_cycles c',
    ),
    all(
      `(SELECT concat(${office('c')}, '/', r.external_id, '/', c.cycle_number) FROM support_plan_cycles c
          JOIN welfare_recipients r ON r.id = c.welfare_recipient_id WHERE c.id = d.plan_cycle_id), deliverable_type`,
      'plan_deliverables d',
    ),
    '(SELECT count(*) FROM audit_logs)',
  ];
  const { rows } = await sql<{
    f: string;
  }>`SELECT concat_ws(' | ', ${sql.raw(parts.join(', '))}) AS f`.execute(db.k);
  return rows[0]?.f ?? '';
}
