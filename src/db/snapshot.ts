// Snapshots of all data, so that a large data set is generated once and restored in seconds:
// save, restore, list, delete. The file format is in snapshot/snapshot-format.ts.
//
// Save streams each table's CSV (COPY … TO, in primary-key order) through gzip into a temporary
// file, writes the header, fsyncs, renames, and fsyncs the folder: a crash leaves either the old
// file or the new one, never half of one. Restore checks the header, the schema version and the
// sha256 of the whole body before it touches the database, then, in one transaction, truncates every
// table, drops its keys and indexes, loads the CSV, and builds keys, indexes and foreign keys again
// (5× faster than maintaining them row by row at 5,000 offices): when anything fails, the
// database keeps the data, keys and indexes it had.
//
// Memory: on PostgreSQL both directions stream (a chunk of a table at a time). PGlite's COPY only
// works through one blob per statement, so there the largest table's CSV is held in memory, twice
// while restoring (the chunks and the blob made from them).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineCallback, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'kysely';
import type { CopySession, Db } from './database.ts';
import { currentSchemaVersion, SCHEMA_VERSION } from './migrate.ts';
import { createByteReader } from './snapshot/byte-reader.ts';
import { SnapshotError } from './snapshot/snapshot-errors.ts';
import { exists, removeStaleTemporaries, syncDirectory } from './snapshot/snapshot-files.ts';
import {
  corrupt,
  encodeHeader,
  HEADER_BYTES,
  readHeader,
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotHeader,
  type SnapshotTable,
  snapshotPath,
} from './snapshot/snapshot-format.ts';
import {
  quoteIdent,
  readCatalog,
  readIndexDefinitions,
  resetSequencesStatement,
  selectAllInKeyOrder,
  type TableLayout,
} from './snapshot/snapshot-tables.ts';

export { SnapshotError, type SnapshotErrorCode } from './snapshot/snapshot-errors.ts';
export { deleteSnapshot, listSnapshots, type SnapshotListing } from './snapshot/snapshot-files.ts';
export {
  SNAPSHOT_NAME_RULE,
  type SnapshotHeader,
  type SnapshotTable,
  validateSnapshotName,
} from './snapshot/snapshot-format.ts';
export { SNAPSHOT_TABLES } from './snapshot/snapshot-tables.ts';

/** gzip level 1: CSV of ids shrinks ~3× already, and higher levels cost more time than they save in I/O. */
const GZIP_LEVEL = 1;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Output and input settings that make the CSV the same on every server, whatever its defaults. */
const SESSION_SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  "SET LOCAL bytea_output = 'hex'",
  'SET LOCAL extra_float_digits = 3',
].join('; ');

/** Snapshots live in <KIGEN_DATA_DIR>/snapshots. */
export function snapshotDir(dataDir: string): string {
  return path.join(dataDir, 'snapshots');
}

export interface SnapshotSummary {
  name: string;
  file: string;
  /** Size of the file. */
  bytes: number;
  header: SnapshotHeader;
}

export interface SaveOptions {
  /** Replace a snapshot of the same name. Default false (SNAPSHOT_EXISTS). */
  overwrite?: boolean;
  /** Called after each table, for progress output. */
  onTable?: (table: string, rows: number) => void;
  /** The clock for createdAt. Default: the system clock. */
  now?: () => Date;
}

export async function saveSnapshot(
  db: Db,
  dir: string,
  name: string,
  options: SaveOptions = {},
): Promise<SnapshotSummary> {
  const file = snapshotPath(dir, name);
  await fs.mkdir(dir, { recursive: true });
  await removeStaleTemporaries(dir, name);
  if (!options.overwrite && (await exists(file))) {
    throw new SnapshotError(
      'SNAPSHOT_EXISTS',
      name,
      `snapshot "${name}" already exists; delete it first (kigen snapshot delete ${name}) or save with --force to replace it`,
    );
  }
  const schemaVersion = await currentSchemaVersion(db.k);
  if (schemaVersion === null) {
    throw new SnapshotError(
      'SNAPSHOT_SCHEMA_MISMATCH',
      name,
      'the database has no schema yet; run kigen migrate',
    );
  }
  const catalog = await readCatalog(db);
  if (catalog.unlisted.length > 0) {
    throw new SnapshotError(
      'SNAPSHOT_TABLES_OUTDATED',
      name,
      `tables ${catalog.unlisted.join(', ')} are not covered by snapshots; add them to SNAPSHOT_TABLES in src/db/snapshot/snapshot-tables.ts`,
    );
  }

  const temporary = `${file}.tmp-${process.pid}`;
  try {
    const hash = createHash('sha256');
    let bodyBytes = 0;
    const gzip = createGzip({ level: GZIP_LEVEL });
    // The body goes after the header's place; the header is written into it once the body is hashed.
    const written = pipeline(
      gzip,
      tap((chunk) => {
        hash.update(chunk);
        bodyBytes += chunk.length;
      }),
      createWriteStream(temporary, { flags: 'wx', start: HEADER_BYTES }),
    );
    written.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    let tables: SnapshotTable[];
    try {
      tables = await db.copySession('read', (session) =>
        writeTables(session, catalog.tables, gzip, written, options.onTable),
      );
      gzip.end();
    } catch (error) {
      gzip.destroy(error as Error);
      throw error;
    }
    await written;
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      schemaVersion,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      engine: db.kind,
      compression: 'gzip',
      bodyBytes,
      sha256: hash.digest('hex'),
      tables,
    };
    const handle = await fs.open(temporary, 'r+');
    try {
      await handle.write(encodeHeader(header), 0, HEADER_BYTES, 0);
      await handle.sync(); // the whole file, body included
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
    await syncDirectory(dir);
    return { name, file, bytes: HEADER_BYTES + bodyBytes, header };
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

async function writeTables(
  session: CopySession,
  layouts: readonly TableLayout[],
  out: Writable,
  outFailed: Promise<void>,
  onTable: SaveOptions['onTable'],
): Promise<SnapshotTable[]> {
  await session.execute(SESSION_SETTINGS);
  const tables: SnapshotTable[] = [];
  for (const layout of layouts) {
    let bytes = 0;
    const rows = await session.copyOut(selectAllInKeyOrder(layout), async (chunk) => {
      bytes += chunk.length;
      // Back-pressure from the file; a failed write rejects `outFailed` instead of leaving us waiting.
      if (!out.write(chunk)) {
        await Promise.race([new Promise((resolve) => out.once('drain', resolve)), outFailed]);
      }
    });
    tables.push({ name: layout.name, columns: layout.columns, rows, bytes });
    onTable?.(layout.name, rows);
  }
  return tables;
}

export interface RestoreOptions {
  /** Replace the data of a database that has some. Default false (SNAPSHOT_TARGET_NOT_EMPTY). */
  replace?: boolean;
  /** Called after each table, for progress output. */
  onTable?: (table: string, rows: number) => void;
  /** Called before each long step that is not a table (checksum, keys and indexes), for progress output. */
  onStep?: (step: 'checksum' | 'keys' | 'analyze') => void;
}

/**
 * Replaces all data with the snapshot's, in one transaction. Everything that can be checked without
 * the database — header, schema version, checksum — is checked before the database is touched.
 */
export async function restoreSnapshot(
  db: Db,
  dir: string,
  name: string,
  options: RestoreOptions = {},
): Promise<SnapshotSummary> {
  const file = snapshotPath(dir, name);
  const { header, bodyOffset, fileBytes } = await readHeader(file, name);
  const layouts = await checkCompatible(db, header, name);
  if (!options.replace) await ensureEmpty(db, layouts, name);
  options.onStep?.('checksum');
  await verifyBody(file, bodyOffset, header, name);

  const indexes = await readIndexDefinitions(
    db,
    layouts.map((t) => t.name),
  );
  const loaded = db.copySession('write', async (session) => {
    await session.execute(SESSION_SETTINGS);
    await session.execute(`TRUNCATE ${layouts.map((t) => quoteIdent(t.name)).join(', ')} RESTART IDENTITY`);
    // Dropped and re-created inside the transaction: a failure rolls them back with the data.
    for (const statement of indexes.drop) await session.execute(statement);
    const hash = createHash('sha256');
    const plain = pipelineCallback(
      createReadStream(file, { start: bodyOffset, highWaterMark: READ_CHUNK_BYTES }),
      tap((chunk) => hash.update(chunk)),
      createGunzip({ chunkSize: READ_CHUNK_BYTES }),
      () => {},
    );
    const reader = createByteReader(decompressed(plain, name), () => corrupt(name, 'its body ends early'));
    try {
      for (const table of header.tables) {
        if (table.bytes === 0) continue;
        const rows = await session.copyIn(
          quoteIdent(table.name),
          table.columns.map(quoteIdent),
          reader.take(table.bytes),
          // FREEZE: the rows are written as already visible, sparing a later pass over every page.
          { freeze: true },
        );
        if (rows !== table.rows) {
          throw corrupt(name, `table ${table.name} has ${rows} rows but the header says ${table.rows}`);
        }
        options.onTable?.(table.name, rows);
      }
      if (!(await reader.atEnd())) throw corrupt(name, 'its body has data after the last table');
    } finally {
      plain.destroy();
    }
    // The first pass checked the file; this guards against it changing since (we commit only if not).
    if (hash.digest('hex') !== header.sha256) throw corrupt(name, 'it changed while it was being restored');
    options.onStep?.('keys');
    for (const statement of indexes.create) await session.execute(statement);
    const reset = resetSequencesStatement(layouts);
    if (reset) await session.execute(reset);
  });
  await loaded.catch((error: unknown) => {
    throw rowsRefused(error, name);
  });
  // Fresh statistics, or the planner guesses on the first run after a restore; and the visibility map, or
  // the plan's index-only scans read the table for every row until autovacuum (if on) gets there.
  options.onStep?.('analyze');
  await sql.raw(`VACUUM (ANALYZE) ${layouts.map((t) => quoteIdent(t.name)).join(', ')}`).execute(db.k);
  return { name, file, bytes: fileBytes, header };
}

/**
 * A row the database refuses although both checksums matched: the snapshot was made by hand or by
 * another program. A constraint (SQLSTATE class 23: a CHECK such as staffs_email_valid, a key, a
 * foreign key) names the rows; bad values (class 22) mean a body that is not ours: corrupt.
 */
function rowsRefused(error: unknown, name: string): unknown {
  const state = (error as { code?: unknown })?.code;
  if (typeof state !== 'string' || error instanceof SnapshotError) return error;
  const detail = (error as Error).message;
  if (state.startsWith('23')) {
    return new SnapshotError(
      'SNAPSHOT_INVALID_ROWS',
      name,
      `snapshot "${name}" has rows this schema refuses (${detail}); nothing was changed. Fix them in the database it was saved from and save it again`,
      { cause: error },
    );
  }
  if (state.startsWith('22')) return corrupt(name, `the database cannot read its rows (${detail})`, error);
  return error;
}

async function* decompressed(stream: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } catch (error) {
    throw error instanceof SnapshotError ? error : corrupt(name, 'its body does not decompress', error);
  }
}

/** Schema version of snapshot, build and database, and the snapshot's tables and columns, must all agree. */
async function checkCompatible(db: Db, header: SnapshotHeader, name: string): Promise<TableLayout[]> {
  const databaseVersion = await currentSchemaVersion(db.k);
  if (header.schemaVersion !== SCHEMA_VERSION || databaseVersion !== SCHEMA_VERSION) {
    const newer = header.schemaVersion > SCHEMA_VERSION;
    throw new SnapshotError(
      'SNAPSHOT_SCHEMA_MISMATCH',
      name,
      databaseVersion !== SCHEMA_VERSION
        ? `the database is at schema ${databaseVersion ?? '(none)'}, this kigen at ${SCHEMA_VERSION}: run kigen migrate first`
        : `snapshot "${name}" was saved at schema ${header.schemaVersion}; this kigen and the database are at ${SCHEMA_VERSION}. ` +
            (newer
              ? 'Restore it with the newer kigen that saved it, or re-create it with this one (kigen seed …, then kigen snapshot save --force).'
              : `Re-create it: kigen seed … then kigen snapshot save ${name} --force (a snapshot is not migrated).`),
    );
  }
  const { tables } = await readCatalog(db);
  const expected = tables.map((t) => `${t.name}(${t.columns.join(',')})`).join(' ');
  const found = header.tables.map((t) => `${t.name}(${t.columns.join(',')})`).join(' ');
  if (expected !== found) {
    throw new SnapshotError(
      'SNAPSHOT_SCHEMA_MISMATCH',
      name,
      `snapshot "${name}" does not have the tables and columns of schema ${SCHEMA_VERSION} although its header says so; save it again`,
    );
  }
  return tables;
}

async function ensureEmpty(db: Db, layouts: readonly TableLayout[], name: string): Promise<void> {
  const probes = layouts.map((t) => `EXISTS (SELECT 1 FROM ${quoteIdent(t.name)})`).join(' OR ');
  const { rows } = await sql.raw<{ has_data: boolean }>(`SELECT ${probes} AS has_data`).execute(db.k);
  if (rows[0]?.has_data) {
    throw new SnapshotError(
      'SNAPSHOT_TARGET_NOT_EMPTY',
      name,
      `the database already has data; restore with --replace to replace all of it with snapshot "${name}"`,
    );
  }
}

/** The first pass: the body's size and sha256, before anything is written. */
async function verifyBody(
  file: string,
  bodyOffset: number,
  header: SnapshotHeader,
  name: string,
): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { start: bodyOffset, highWaterMark: READ_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  if (bytes !== header.bodyBytes) throw corrupt(name, `its body is ${bytes} bytes, not ${header.bodyBytes}`);
  if (hash.digest('hex') !== header.sha256)
    throw corrupt(name, 'the sha256 of its body does not match its header');
}

/** Reads and checks a snapshot's header only (SNAPSHOT_NOT_FOUND, SNAPSHOT_CORRUPT): cheap, before a database is opened. */
export async function snapshotHeader(dir: string, name: string): Promise<SnapshotHeader> {
  return (await readHeader(snapshotPath(dir, name), name)).header;
}

/** Checks a snapshot file without a database: header and checksum. */
export async function verifySnapshot(dir: string, name: string): Promise<SnapshotSummary> {
  const file = snapshotPath(dir, name);
  const { header, bodyOffset, fileBytes } = await readHeader(file, name);
  await verifyBody(file, bodyOffset, header, name);
  return { name, file, bytes: fileBytes, header };
}

function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      see(chunk);
      done(null, chunk);
    },
  });
}
