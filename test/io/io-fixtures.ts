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
    'A01,R1,1,2026-06-01\nA01,R1,2,2026/12/10\nA01,R2,1,令和8年12月5日\nA02,R1,１,\n',
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
  const { rows } = await sql<{ f: string }>`SELECT concat_ws(' | ',
      (SELECT string_agg(concat_ws(',', coalesce(external_id, id::text), name, is_test_data), ';' ORDER BY 1) FROM offices),
      (SELECT string_agg(concat_ws(',', coalesce(external_id, id::text), email, full_name, last_name_reading, first_name_reading,
         role, email_notification, system_notification, in_app_notification, email_threshold_days, push_threshold_days), ';' ORDER BY 1) FROM staffs),
      (SELECT count(*) FROM office_staffs),
      (SELECT string_agg(concat_ws(',', coalesce(external_id, id::text), last_name, first_name, last_name_reading), ';' ORDER BY 1)
         FROM welfare_recipients),
      (SELECT string_agg(concat_ws(',', cycle_number, next_renewal_deadline, is_latest_cycle), ';' ORDER BY 1) FROM support_plan_cycles),
      (SELECT count(*) FROM plan_deliverables),
      (SELECT count(*) FROM audit_logs)) AS f`.execute(db.k);
  return rows[0]?.f ?? '';
}
