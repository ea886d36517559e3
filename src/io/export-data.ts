// kigen export: the data as the CSV files kigen import reads (same names, columns and keys), UTF-8
// with a BOM so that Excel opens them as UTF-8. import(export(x)) gives x back.
// The rows come from COPY … TO in one read-only snapshot, streamed to the files.
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { KigenError } from '../config/errors.ts';
import type { Db } from '../db/database.ts';
import { EXPORT_SELECTS } from '../db/export-queries.ts';
import { IMPORT_ENTITIES, type ImportEntity } from '../db/import-store.ts';
import { type FileLayout, LAYOUTS } from './layouts.ts';

const BOM = '\uFEFF';

export interface ExportedFile {
  file: string;
  entity: ImportEntity;
  rows: number;
}

/** The header line of a layout: English (as export writes) or Japanese (the first Japanese spelling). */
export function headerLine(layout: FileLayout, japanese = false): string {
  return `${layout.columns.map((c) => (japanese ? (c.japanese[0] ?? c.header) : c.header)).join(',')}\n`;
}

/** Writes every file into `dir` (created if needed); existing files of the same names are replaced. */
export async function exportData(db: Db, dir: string): Promise<ExportedFile[]> {
  await fs.mkdir(dir, { recursive: true });
  return db.copySession('read', async (session) => {
    const files: ExportedFile[] = [];
    for (const entity of IMPORT_ENTITIES) {
      const layout = LAYOUTS[entity];
      const file = path.join(dir, layout.file);
      const out = createWriteStream(file);
      out.write(BOM + headerLine(layout));
      const rows = await session.copyOut(EXPORT_SELECTS[entity], async (chunk) => {
        if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
      });
      out.end();
      await finished(out);
      files.push({ file, entity, rows });
    }
    return files;
  });
}

/** Writes empty files with only the header row (English headers, or Japanese with `japanese`). */
export async function writeTemplates(dir: string, japanese = false): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const entity of IMPORT_ENTITIES) {
    const layout = LAYOUTS[entity];
    const file = path.join(dir, layout.file);
    await fs
      .writeFile(file, BOM + headerLine(layout, japanese), { flag: 'wx' })
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') {
          throw new KigenError(
            'TEMPLATE_EXISTS',
            `${file} exists already; write the templates into an empty folder`,
          );
        }
        throw error;
      });
    written.push(file);
  }
  return written;
}
