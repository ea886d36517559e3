// kigen import: reads the CSV files of a folder (or one file), validates every row, and writes them
// in one transaction, or writes nothing and reports every problem (file, line, column, value, what).
//
// Rows stream from the file through validation into COPY staging tables (flat memory, COPY speed);
// the checks that need the database (unknown ids, duplicates, addresses in use) run over the staged
// rows; only when nothing at all is wrong are the real tables touched, in the same transaction.
import fs from 'node:fs/promises';
import path from 'node:path';
import { KigenError } from '../config/errors.ts';
import type { Db } from '../db/database.ts';
import {
  analyzeImported,
  applyStaged,
  checkStaged,
  createStaging,
  IMPORT_ENTITIES,
  type ImportEntity,
  type ImportResult,
  STAGING_COLUMNS,
  stageRows,
} from '../db/import-store.ts';
import { readCsv } from './csv-reader.ts';
import { type ColumnLayout, type FileLayout, headerKey, LAYOUTS } from './layouts.ts';

/** One thing wrong with the input, said so that the person who keeps the sheet can fix it. */
export interface ImportProblem {
  file: string;
  /** 1-based line in the file (0: the file as a whole). */
  line: number;
  column?: string;
  value?: string;
  message: string;
}

/** At most this many problems are listed (the total is counted). */
export const MAX_PROBLEMS = 1000;

export class ImportRejectedError extends KigenError {
  readonly problems: ImportProblem[];
  readonly total: number;
  constructor(problems: ImportProblem[], total: number) {
    super(
      'IMPORT_REJECTED',
      `nothing was imported: ${total} problem${total === 1 ? '' : 's'} in the input; fix ${total === 1 ? 'it' : 'them'} and import again`,
    );
    this.name = 'ImportRejectedError';
    this.problems = problems;
    this.total = total;
  }
}

export interface ImportOptions {
  /** Files larger than this are refused before anything is read (KIGEN_IMPORT_MAX_FILE_MB). */
  maxFileBytes: number;
  /** Validate everything, write nothing. */
  dryRun?: boolean;
  /** Bytes read so far of the total, for a progress bar. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface ImportReport {
  files: Array<{ file: string; entity: ImportEntity; rows: number; encoding: string }>;
  /** What was written (all zero for a dry run). */
  result: ImportResult | null;
  /**
   * Wall time of each step in ms: reading, checking every cell and COPYing into the staging tables;
   * the checks in the database; writing the tables (and committing); fresh statistics.
   */
  phases: { stageMs: number; checkMs: number; writeMs: number; analyzeMs: number };
}

interface InputFile {
  path: string;
  name: string;
  layout: FileLayout;
  bytes: number;
}

class ProblemList {
  readonly list: ImportProblem[] = [];
  total = 0;
  add(problem: ImportProblem): void {
    this.total += 1;
    if (this.list.length < MAX_PROBLEMS) this.list.push(problem);
  }
}

const LAYOUT_BY_FILE = new Map<string, FileLayout>(Object.values(LAYOUTS).map((l) => [l.file, l]));

/** The files to import, by their layout; unknown .csv names and over-size files are problems. */
async function inputFiles(target: string, maxFileBytes: number, problems: ProblemList): Promise<InputFile[]> {
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(target);
  } catch {
    throw new KigenError('IMPORT_NOT_FOUND', `${target}: no such file or folder`);
  }
  const names = stat.isDirectory()
    ? (await fs.readdir(target)).filter((n) => n.toLowerCase().endsWith('.csv')).sort()
    : [path.basename(target)];
  const dir = stat.isDirectory() ? target : path.dirname(target);
  const expected = [...LAYOUT_BY_FILE.keys()].join(', ');
  const files: InputFile[] = [];
  for (const name of names) {
    const layout = LAYOUT_BY_FILE.get(name.toLowerCase());
    if (!layout) {
      problems.add({ file: name, line: 0, message: `not a file kigen imports; name it one of ${expected}` });
      continue;
    }
    const file = path.join(dir, name);
    const bytes = (await fs.stat(file)).size;
    if (bytes > maxFileBytes) {
      problems.add({
        file: name,
        line: 0,
        message: `${megabytes(bytes)} is over the ${megabytes(maxFileBytes)} limit for one file (KIGEN_IMPORT_MAX_FILE_MB); split it by office, or raise the limit`,
      });
      continue;
    }
    files.push({ path: file, name, layout, bytes });
  }
  if (names.length === 0) {
    problems.add({ file: target, line: 0, message: `no CSV files here; expected ${expected}` });
  }
  return files.sort(
    (a, b) => IMPORT_ENTITIES.indexOf(a.layout.entity) - IMPORT_ENTITIES.indexOf(b.layout.entity),
  );
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** Maps the header row to the layout's columns; problems for unknown, repeated and missing columns. */
function readHeader(
  cells: readonly string[],
  input: InputFile,
  problems: ProblemList,
): Array<ColumnLayout | null> | null {
  const byKey = new Map<string, ColumnLayout>();
  for (const column of input.layout.columns) {
    for (const spelling of [column.header, ...column.japanese]) byKey.set(headerKey(spelling), column);
  }
  const seen = new Set<ColumnLayout>();
  let ok = true;
  const mapped = cells.map((cell, i) => {
    const clean = i === 0 ? cell.replace(/^\uFEFF/, '') : cell;
    // A column without a header (Excel keeps formatted empty columns) is ignored.
    if (clean.trim() === '') return null;
    const column = byKey.get(headerKey(clean));
    if (!column || seen.has(column)) {
      ok = false;
      problems.add({
        file: input.name,
        line: 1,
        column: clean,
        value: clean,
        message: column
          ? 'this column appears twice in the header'
          : `unknown column; the columns of ${input.layout.file} are ${input.layout.columns.map((c) => c.header).join(', ')}`,
      });
      return null;
    }
    seen.add(column);
    return column;
  });
  for (const column of input.layout.columns) {
    if (column.required && !seen.has(column)) {
      ok = false;
      problems.add({
        file: input.name,
        line: 1,
        column: column.header,
        message: `missing column "${column.header}" (or ${column.japanese[0]}); the first row must be the header`,
      });
    }
  }
  return ok ? mapped : null;
}

/** A CSV field for COPY: NULL as an empty unquoted field, '' quoted, others quoted only when needed. */
function copyField(value: string | null): string {
  if (value === null) return '';
  return value === '' || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The staged rows of one file as COPY CSV; problems go to `problems`. Rows with problems are staged with NULLs. */
async function* stagedCsv(
  input: InputFile,
  problems: ProblemList,
  onBytes: (n: number) => void,
  info: { rows: number; encoding: string },
): AsyncGenerator<Uint8Array> {
  const staged: readonly string[] = STAGING_COLUMNS[input.layout.entity];
  const check = rowCheck(input.layout.entity, staged);
  let header: Array<ColumnLayout | null> | null | undefined;
  /** For each column of the file, the index of its staging column (-1: ignored). */
  let slots: number[] = [];
  let lines: string[] = [];
  const batches = readCsv(input.path, {
    bytes: onBytes,
    encoding: (encoding, bom) => {
      info.encoding = bom ? `${encoding} (BOM)` : encoding;
    },
  });
  read: for await (const items of batches) {
    for (const item of items) {
      if (item.kind === 'fatal') {
        problems.add({ file: input.name, line: item.line, message: item.message });
        break read;
      }
      if (header === undefined) {
        header = readHeader(item.fields, input, problems);
        if (header === null) break read;
        slots = header.map((c) => (c ? staged.indexOf(c.stage) : -1));
        continue;
      }
      const columns = header as Array<ColumnLayout | null>;
      info.rows += 1;
      if (item.fields.length !== columns.length) {
        problems.add({
          file: input.name,
          line: item.line,
          message: `${item.fields.length} cells where the header has ${columns.length} (a stray comma, or a cut-off file?)`,
        });
        continue;
      }
      const values: Array<string | null> = new Array(staged.length).fill(null);
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i];
        if (!column) continue;
        const raw = item.fields[i] as string;
        const slot = slots[i] as number;
        if (!column.required && raw.trim() === '') {
          values[slot] = column.empty ?? null;
          continue;
        }
        const cell = column.parse(raw);
        if (cell.ok) values[slot] = cell.value;
        else {
          problems.add({
            file: input.name,
            line: item.line,
            column: column.header,
            value: raw,
            message: cell.problem,
          });
        }
      }
      const problem = check(values);
      if (problem) problems.add({ file: input.name, line: item.line, ...problem });
      lines.push(`${item.line},${values.map(copyField).join(',')}\n`);
    }
    if (lines.length > 0) {
      yield Buffer.from(lines.join(''));
      lines = [];
    }
  }
  if (header === undefined)
    problems.add({ file: input.name, line: 1, message: 'the file is empty: it has no header row' });
}

/** Rules across the cells of one row (staged values, in STAGING_COLUMNS order). */
function rowCheck(
  entity: ImportEntity,
  staged: readonly string[],
): (values: ReadonlyArray<string | null>) => { column: string; message: string } | null {
  if (entity !== 'staff') return () => null;
  const channels = ['email_on', 'push_on', 'in_app_on'].map((c) => staged.indexOf(c));
  return (values) =>
    channels.every((i) => values[i] === 'false')
      ? {
          column: 'email_notification',
          message: 'every channel is off; at least one of e-mail, push and in-app must be on',
        }
      : null;
}

/** Imports a folder of CSV files (or one file); throws ImportRejectedError and writes nothing on any problem. */
export async function importData(db: Db, target: string, options: ImportOptions): Promise<ImportReport> {
  const problems = new ProblemList();
  const files = await inputFiles(target, options.maxFileBytes, problems);
  // Refused files stop everything before the database is touched (a 1 GB file is not read at all).
  if (problems.total > 0) throw new ImportRejectedError(problems.list, problems.total);
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  let doneBytes = 0;
  const onBytes = (n: number) => {
    doneBytes += n;
    options.onProgress?.(doneBytes, totalBytes);
  };
  const report: ImportReport = {
    files: [],
    result: null,
    phases: { stageMs: 0, checkMs: 0, writeMs: 0, analyzeMs: 0 },
  };
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  await db.copySession('write', async (session) => {
    await createStaging(session);
    for (const input of files) {
      const info = { rows: 0, encoding: '' };
      await stageRows(session, input.layout.entity, stagedCsv(input, problems, onBytes, info));
      report.files.push({
        file: input.name,
        entity: input.layout.entity,
        rows: info.rows,
        encoding: info.encoding,
      });
    }
    report.phases.stageMs = lap();
    const fileOf = (entity: ImportEntity) =>
      files.find((f) => f.layout.entity === entity)?.name ?? LAYOUTS[entity].file;
    for (const p of await checkStaged(session, MAX_PROBLEMS)) {
      const layout = LAYOUTS[p.entity] as FileLayout;
      problems.add({
        file: fileOf(p.entity),
        line: p.line,
        column: layout.columns.find((c) => c.stage === p.column)?.header ?? p.column,
        ...(p.value !== null ? { value: p.value } : {}),
        message: p.message,
      });
    }
    if (problems.total > 0) throw new ImportRejectedError(problems.list, problems.total);
    report.phases.checkMs = lap();
    if (!options.dryRun) report.result = await applyStaged(session);
  });
  report.phases.writeMs = lap();
  if (report.result) await analyzeImported(db);
  report.phases.analyzeMs = lap();
  return report;
}
