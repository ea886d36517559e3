// One documented column layout per file: the English header (what export and --template write),
// the Japanese headers also accepted, and how each cell is read. README "Import and export" lists them.
import type { ImportEntity } from '../db/import-store.ts';
import { normalizeReading } from '../domain/reading.ts';
import { DELIVERABLE_TYPES, STAFF_ROLES, THRESHOLD_DAYS } from '../domain/types.ts';
import {
  type CellResult,
  parseBooleanCell,
  parseChoiceCell,
  parseDateCell,
  parseEmailCell,
  parseIntegerCell,
  parseKeyCell,
  parseKeyListCell,
  parseNameCell,
} from './cell-values.ts';

/** A cell as staged: text, or null for "not given" (keep the stored value, or the default). */
type Staged = string | null;

export interface ColumnLayout {
  /** English header, as export and --template write it. */
  header: string;
  /** Japanese header (--template --japanese), and other accepted spellings. */
  japanese: readonly string[];
  /** The staging column (STAGING_COLUMNS in db/import-store.ts) it fills. */
  stage: string;
  required: boolean;
  /** Reads a cell; an empty cell of an optional column is null unless `empty` says otherwise. */
  parse(raw: string): CellResult<Staged>;
  /** What an empty cell of this (optional) column stages; default null (keep / default). */
  empty?: Staged;
}

export interface FileLayout {
  entity: ImportEntity;
  file: string;
  columns: readonly ColumnLayout[];
}

const text = <T>(r: CellResult<T>): CellResult<Staged> => (r.ok ? { ok: true, value: String(r.value) } : r);

/** A column kind: how its cells are read, and whether the column must be there. */
const kind =
  (required: boolean, parse: (raw: string) => CellResult<Staged>, empty?: Staged) =>
  (header: string, japanese: string[], stage: string): ColumnLayout => ({
    header,
    japanese,
    stage,
    required,
    parse,
    ...(empty !== undefined ? { empty } : {}),
  });

const key = kind(true, (raw) => text(parseKeyCell(raw)));
const officeKey = key('office_id', ['事業所ID', '事業所番号', '事業所コード'], 'office_key');
const name = kind(true, (raw) => text(parseNameCell(raw)));
// An empty furigana cell clears the furigana (other empty optional cells keep what is stored).
const reading = kind(
  false,
  (raw) => {
    const value = normalizeReading(raw);
    if (value === null) return { ok: false, problem: 'furigana must be katakana or hiragana' };
    return value.length > 255 ? { ok: false, problem: 'longer than 255 characters' } : { ok: true, value };
  },
  '',
);
const flag = kind(false, (raw) => text(parseBooleanCell(raw)));
const threshold = kind(false, (raw) => {
  const n = parseIntegerCell(raw, 0, 1_000_000);
  if (!n.ok) return n;
  return (THRESHOLD_DAYS as readonly number[]).includes(n.value)
    ? { ok: true, value: String(n.value) }
    : { ok: false, problem: `must be one of ${THRESHOLD_DAYS.join(', ')} (days)` };
});
const testData = flag('test_data', ['テストデータ'], 'test');
const cycleNumber = kind(true, (raw) => text(parseIntegerCell(raw, 1, 1_000_000)))(
  'cycle_number',
  ['サイクル番号', '回数'],
  'cycle_number',
);
const recipientKey = key('recipient_id', ['利用者ID', '利用者番号'], 'recipient_key');
/** Last and first name with their furigana: the same four columns for staff and recipients. */
const personName = [
  name('last_name', ['姓'], 'last_name'),
  name('first_name', ['名'], 'first_name'),
  reading('last_name_kana', ['セイ', '姓(フリガナ)', '姓(ふりがな)', '姓(カナ)'], 'last_reading'),
  reading('first_name_kana', ['メイ', '名(フリガナ)', '名(ふりがな)', '名(カナ)'], 'first_reading'),
];

const ROLE_ALIASES: Record<string, (typeof STAFF_ROLES)[number]> = {
  職員: 'employee',
  従業員: 'employee',
  管理者: 'manager',
  所有者: 'owner',
  オーナー: 'owner',
  システム管理者: 'app_admin',
};
const DELIVERABLE_ALIASES: Record<string, (typeof DELIVERABLE_TYPES)[number]> = {
  アセスメントシート: 'assessment_sheet',
  アセスメント: 'assessment_sheet',
  個別支援計画書案: 'draft_plan_pdf',
  担当者会議議事録: 'staff_meeting_minutes',
  署名済み個別支援計画書: 'final_plan_signed_pdf',
  モニタリング報告書: 'monitoring_report_pdf',
};

export const LAYOUTS = {
  offices: {
    entity: 'offices',
    file: 'offices.csv',
    columns: [
      key('office_id', ['事業所ID', '事業所番号', '事業所コード'], 'key'),
      name('name', ['事業所名'], 'name'),
      testData,
    ],
  },
  staff: {
    entity: 'staff',
    file: 'staff.csv',
    columns: [
      key('staff_id', ['職員ID', '職員番号'], 'key'),
      kind(true, (raw) => text(parseEmailCell(raw)))('email', ['メールアドレス'], 'email'),
      ...personName,
      kind(false, (raw) => text(parseChoiceCell(raw, STAFF_ROLES, ROLE_ALIASES)))(
        'role',
        ['役割', '権限'],
        'role',
      ),
      kind(true, (raw) => {
        const list = parseKeyListCell(raw);
        if (!list.ok && raw.normalize('NFKC').trim() === '') {
          return { ok: false, problem: 'the staff member is in no office: list at least one office id' };
        }
        return list.ok ? { ok: true, value: list.value.join(';') } : list;
      })('office_ids', ['所属事業所ID', '所属事業所'], 'office_keys'),
      flag('email_notification', ['メール通知'], 'email_on'),
      flag('push_notification', ['プッシュ通知'], 'push_on'),
      flag('in_app_notification', ['アプリ内通知'], 'in_app_on'),
      threshold('email_threshold_days', ['メール通知日数'], 'email_days'),
      threshold('push_threshold_days', ['プッシュ通知日数'], 'push_days'),
      testData,
    ],
  },
  recipients: {
    entity: 'recipients',
    file: 'recipients.csv',
    columns: [officeKey, key('recipient_id', ['利用者ID', '利用者番号'], 'key'), ...personName, testData],
  },
  cycles: {
    entity: 'cycles',
    file: 'cycles.csv',
    columns: [
      officeKey,
      recipientKey,
      cycleNumber,
      // An empty cell: no deadline set yet.
      kind(true, (raw) => (raw.trim() === '' ? { ok: true, value: null } : text(parseDateCell(raw))))(
        'next_renewal_deadline',
        ['次回更新期限', '更新期限'],
        'deadline',
      ),
    ],
  },
  deliverables: {
    entity: 'deliverables',
    file: 'deliverables.csv',
    columns: [
      officeKey,
      recipientKey,
      cycleNumber,
      kind(true, (raw) => text(parseChoiceCell(raw, DELIVERABLE_TYPES, DELIVERABLE_ALIASES)))(
        'deliverable_type',
        ['成果物', '成果物種別'],
        'type',
      ),
    ],
  },
} as const satisfies Record<ImportEntity, FileLayout>;

/** How a header cell is compared: NFKC, no spaces or underscores, lower case. */
export function headerKey(cell: string): string {
  return cell.normalize('NFKC').replace(/[\s_]/g, '').toLowerCase();
}
