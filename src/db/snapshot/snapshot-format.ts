// The snapshot file: one header line of JSON, then the body.
//
//   <header JSON, padded with spaces to HEADER_BYTES − 1>\n
//   <body: gzip of every table's CSV, concatenated in load order>
//
// The header comes first so that `head -1` and `kigen snapshot list` read it without the body, but
// it describes the body (sizes, row counts, sha256). The writer therefore reserves a fixed-size
// area, streams the body after it, and writes the header into the area at the end. The reader does
// not depend on the size: the body starts after the first newline.
//
// Format 2: the header ends with `"headerSha256":"<hex>"`, the sha256 of the header's JSON text
// with those 64 hex digits written as zeros. With `sha256` (of the body) inside it, every byte of
// the file is covered: a changed createdAt or a flipped table size is "corrupt", not trusted.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SnapshotError } from './snapshot-errors.ts';

export const SNAPSHOT_FORMAT = 'kigen-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 2;
export const SNAPSHOT_EXTENSION = '.kigen-snapshot';
/** Space the writer reserves for the header line; ours needs about 2 KB. */
export const HEADER_BYTES = 16 * 1024;
/** The reader looks this far for the header's newline before calling the file corrupt. */
const MAX_HEADER_BYTES = 64 * 1024;

export interface SnapshotTable {
  name: string;
  columns: string[];
  rows: number;
  /** Bytes of this table's CSV in the uncompressed body. */
  bytes: number;
}

export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  /** The database's newest migration when the snapshot was saved. */
  schemaVersion: string;
  createdAt: string;
  /** The engine it was saved from (informational: the body is engine-independent CSV). */
  engine: 'pglite' | 'postgres';
  compression: 'gzip';
  /** Size and sha256 (hex) of the body as stored, i.e. compressed. */
  bodyBytes: number;
  sha256: string;
  /** In load order (parents before children). */
  tables: SnapshotTable[];
}

const HASH_FIELD = '"headerSha256":"';
const HASH_PLACEHOLDER = '0'.repeat(64);

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The header's JSON text with its own checksum as the last field. */
function signedHeaderJson(header: SnapshotHeader): string {
  const { headerSha256: _old, ...fields } = header as SnapshotHeader & { headerSha256?: string };
  const unsigned = JSON.stringify({ ...fields, headerSha256: HASH_PLACEHOLDER });
  const at = unsigned.lastIndexOf(HASH_FIELD) + HASH_FIELD.length;
  return `${unsigned.slice(0, at)}${sha256Hex(unsigned)}${unsigned.slice(at + 64)}`;
}

/** Whether the JSON text of a header carries the checksum of itself. */
function headerChecksumMatches(json: string): boolean {
  const at = json.lastIndexOf(HASH_FIELD) + HASH_FIELD.length;
  if (at < HASH_FIELD.length) return false;
  const stated = json.slice(at, at + 64);
  if (!/^[0-9a-f]{64}$/.test(stated)) return false;
  return sha256Hex(`${json.slice(0, at)}${HASH_PLACEHOLDER}${json.slice(at + 64)}`) === stated;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** The rule for snapshot names, for help texts and messages. */
export const SNAPSHOT_NAME_RULE =
  '1–64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. offices-50k)';

/** Returns the name if it is safe as a file name (no separators, no "..", no hidden files), else throws. */
export function validateSnapshotName(name: string): string {
  if (!NAME.test(name)) {
    throw new SnapshotError(
      'SNAPSHOT_NAME_INVALID',
      undefined,
      `invalid snapshot name ${JSON.stringify(name)}: use ${SNAPSHOT_NAME_RULE}`,
    );
  }
  return name;
}

export function snapshotPath(dir: string, name: string): string {
  return path.join(dir, `${validateSnapshotName(name)}${SNAPSHOT_EXTENSION}`);
}

/** The header line with its checksum, padded to exactly HEADER_BYTES. */
export function encodeHeader(header: SnapshotHeader): Buffer {
  const json = Buffer.from(signedHeaderJson(header), 'utf8');
  if (json.length > HEADER_BYTES - 1) {
    throw new Error(`snapshot header is ${json.length} bytes; more than the ${HEADER_BYTES - 1} reserved`);
  }
  const line = Buffer.alloc(HEADER_BYTES, 0x20);
  json.copy(line);
  line[HEADER_BYTES - 1] = 0x0a;
  return line;
}

/** Reads and validates the header; `bodyOffset` is where the body starts. Throws SNAPSHOT_NOT_FOUND or SNAPSHOT_CORRUPT. */
export async function readHeader(
  file: string,
  name: string,
): Promise<{ header: SnapshotHeader; bodyOffset: number; fileBytes: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SnapshotError(
        'SNAPSHOT_NOT_FOUND',
        name,
        `no snapshot named "${name}" in ${path.dirname(file)}; see "kigen snapshot list"`,
      );
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, MAX_HEADER_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline < 0) throw corrupt(name, 'it has no header line (not a kigen snapshot, or cut short)');
    let parsed: unknown;
    // The padding after the JSON is not part of it (nor of its checksum).
    const json = buffer.subarray(0, newline).toString('utf8').trimEnd();
    try {
      parsed = JSON.parse(json);
    } catch {
      throw corrupt(name, 'its header is not valid JSON (not a kigen snapshot?)');
    }
    const header = checkHeader(parsed, name);
    if (!headerChecksumMatches(json)) {
      throw corrupt(name, 'its header does not match its checksum (changed after it was saved)');
    }
    const bodyOffset = newline + 1;
    if (size !== bodyOffset + header.bodyBytes) {
      throw corrupt(
        name,
        `it is ${size} bytes but its header announces ${bodyOffset + header.bodyBytes} (truncated or appended to)`,
      );
    }
    return { header, bodyOffset, fileBytes: size };
  } finally {
    await handle.close();
  }
}

export function corrupt(name: string, why: string, cause?: unknown): SnapshotError {
  return new SnapshotError(
    'SNAPSHOT_CORRUPT',
    name,
    `snapshot "${name}" is corrupt: ${why}; delete it (kigen snapshot delete ${name}) and save it again`,
    cause === undefined ? undefined : { cause },
  );
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);

/** Checks every field, so that nothing later trusts a header it has not checked. */
function checkHeader(value: unknown, name: string): SnapshotHeader {
  const h = value as Partial<Record<keyof SnapshotHeader, unknown>> | null;
  if (!h || typeof h !== 'object' || h.format !== SNAPSHOT_FORMAT) {
    throw corrupt(name, 'its header does not say format "kigen-snapshot" (not a kigen snapshot?)');
  }
  if (h.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(
      'SNAPSHOT_SCHEMA_MISMATCH',
      name,
      `snapshot "${name}" has file format version ${String(h.formatVersion)}; this kigen reads version ${SNAPSHOT_FORMAT_VERSION}: restore it with the kigen that saved it, or save it again`,
    );
  }
  const problems: string[] = [];
  if (typeof h.schemaVersion !== 'string' || h.schemaVersion === '') problems.push('schemaVersion');
  if (typeof h.createdAt !== 'string') problems.push('createdAt');
  if (h.engine !== 'pglite' && h.engine !== 'postgres') problems.push('engine');
  if (h.compression !== 'gzip') problems.push('compression');
  if (!isCount(h.bodyBytes)) problems.push('bodyBytes');
  if (typeof h.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(h.sha256)) problems.push('sha256');
  if (!Array.isArray(h.tables)) problems.push('tables');
  else {
    h.tables.forEach((t: Partial<Record<keyof SnapshotTable, unknown>> | null, i) => {
      if (
        !t ||
        typeof t.name !== 'string' ||
        !isStrings(t.columns) ||
        !isCount(t.rows) ||
        !isCount(t.bytes) ||
        (t.rows === 0) !== (t.bytes === 0)
      ) {
        problems.push(`tables[${i}]`);
      }
    });
  }
  if (problems.length > 0) throw corrupt(name, `its header has invalid fields: ${problems.join(', ')}`);
  return h as SnapshotHeader;
}
