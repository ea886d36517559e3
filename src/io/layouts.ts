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

const key = (header: string, japanese: string[], stage: string) => ({
  header,
  japanese,
  stage,
  required: true,
  parse: (raw: string) => text(parseKeyCell(raw)),
});
const officeKey = key('office_id', ['事業所ID', '事業所番号', '事業所コード'], 'office_key');
const name = (header: string, japanese: string[], stage: string) => ({
  header,
  japanese,
  stage,
  required: true,
  parse: (raw: string) => text(parseNameCell(raw)),
});
const reading = (header: string, japanese: string[], stage: string) => ({
  header,
  japanese,
  stage,
  required: false,
  empty: '',
  parse(raw: string): CellResult<Staged> {
    const value = normalizeReading(raw);
    if (value === null) return { ok: false, problem: 'furigana must be katakana or hiragana' };
    return value.length > 255 ? { ok: false, problem: 'longer than 255 characters' } : { ok: true, value };
  },
});
const flag = (header: string, japanese: string[], stage: string) => ({
  header,
  japanese,
  stage,
  required: false,
  parse: (raw: string) => text(parseBooleanCell(raw)),
});
const threshold = (header: string, japanese: string[], stage: string) => ({
  header,
  japanese,
  stage,
  required: false,
  parse(raw: string): CellResult<Staged> {
    const n = parseIntegerCell(raw, 0, 1_000_000);
    if (!n.ok) return n;
    return (THRESHOLD_DAYS as readonly number[]).includes(n.value)
      ? { ok: true, value: String(n.value) }
      : { ok: false, problem: `must be one of ${THRESHOLD_DAYS.join(', ')} (days)` };
  },
});
const testData = flag('test_data', ['テストデータ'], 'test');
const cycleNumber = {
  header: 'cycle_number',
  japanese: ['サイクル番号', '回数'],
  stage: 'cycle_number',
  required: true,
  parse: (raw: string) => text(parseIntegerCell(raw, 1, 1_000_000)),
};
const recipientKey = key('recipient_id', ['利用者ID', '利用者番号'], 'recipient_key');

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
      {
        header: 'email',
        japanese: ['メールアドレス'],
        stage: 'email',
        required: true,
        parse: (raw: string) => text(parseEmailCell(raw)),
      },
      name('last_name', ['姓'], 'last_name'),
      name('first_name', ['名'], 'first_name'),
      reading('last_name_kana', ['セイ', '姓(フリガナ)', '姓(ふりがな)', '姓(カナ)'], 'last_reading'),
      reading('first_name_kana', ['メイ', '名(フリガナ)', '名(ふりがな)', '名(カナ)'], 'first_reading'),
      {
        header: 'role',
        japanese: ['役割', '権限'],
        stage: 'role',
        required: false,
        parse: (raw: string) => text(parseChoiceCell(raw, STAFF_ROLES, ROLE_ALIASES)),
      },
      {
        header: 'office_ids',
        japanese: ['所属事業所ID', '所属事業所'],
        stage: 'office_keys',
        required: true,
        parse(raw: string): CellResult<Staged> {
          const list = parseKeyListCell(raw);
          if (!list.ok && raw.normalize('NFKC').trim() === '') {
            return { ok: false, problem: 'the staff member is in no office: list at least one office id' };
          }
          return list.ok ? { ok: true, value: list.value.join(';') } : list;
        },
      },
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
    columns: [
      officeKey,
      key('recipient_id', ['利用者ID', '利用者番号'], 'key'),
      name('last_name', ['姓'], 'last_name'),
      name('first_name', ['名'], 'first_name'),
      reading('last_name_kana', ['セイ', '姓(フリガナ)', '姓(ふりがな)', '姓(カナ)'], 'last_reading'),
      reading('first_name_kana', ['メイ', '名(フリガナ)', '名(ふりがな)', '名(カナ)'], 'first_reading'),
      testData,
    ],
  },
  cycles: {
    entity: 'cycles',
    file: 'cycles.csv',
    columns: [
      officeKey,
      recipientKey,
      cycleNumber,
      {
        header: 'next_renewal_deadline',
        japanese: ['次回更新期限', '更新期限'],
        stage: 'deadline',
        required: true,
        // An empty cell: no deadline set yet.
        parse: (raw: string) => (raw.trim() === '' ? { ok: true, value: null } : text(parseDateCell(raw))),
      },
    ],
  },
  deliverables: {
    entity: 'deliverables',
    file: 'deliverables.csv',
    columns: [
      officeKey,
      recipientKey,
      cycleNumber,
      {
        header: 'deliverable_type',
        japanese: ['成果物', '成果物種別'],
        stage: 'type',
        required: true,
        parse: (raw: string) => text(parseChoiceCell(raw, DELIVERABLE_TYPES, DELIVERABLE_ALIASES)),
      },
    ],
  },
} as const satisfies Record<ImportEntity, FileLayout>;

/** How a header cell is compared: NFKC, no spaces or underscores, lower case. */
export function headerKey(cell: string): string {
  return cell.normalize('NFKC').replace(/[\s_]/g, '').toLowerCase();
}
