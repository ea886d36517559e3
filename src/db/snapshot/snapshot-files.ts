// The snapshot folder: listing, deleting, and the file-system chores of a durable save.
import fs from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../database.ts';
import { SnapshotError } from './snapshot-errors.ts';
import {
  readHeader,
  SNAPSHOT_EXTENSION,
  type SnapshotHeader,
  snapshotPath,
  validateSnapshotName,
} from './snapshot-format.ts';

export type SnapshotListing = { name: string; file: string; bytes: number } & (
  | { header: SnapshotHeader; problem?: undefined }
  | { header?: undefined; problem: string }
);

/** The snapshots in `dir`, by name, from their headers (bodies are not read or checked). */
export async function listSnapshots(dir: string): Promise<SnapshotListing[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const listings: SnapshotListing[] = [];
  for (const entry of entries.sort()) {
    if (!entry.endsWith(SNAPSHOT_EXTENSION)) continue;
    const name = entry.slice(0, -SNAPSHOT_EXTENSION.length);
    const file = path.join(dir, entry);
    const { size } = await fs.stat(file);
    try {
      const { header } = await readHeader(file, name);
      listings.push({ name, file, bytes: size, header });
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      listings.push({ name, file, bytes: size, problem: error.message });
    }
  }
  return listings;
}

export async function deleteSnapshot(dir: string, name: string): Promise<void> {
  const file = snapshotPath(dir, name);
  try {
    await fs.rm(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new SnapshotError(
      'SNAPSHOT_NOT_FOUND',
      name,
      `no snapshot named "${name}" in ${dir}; see "kigen snapshot list"`,
    );
  }
  await removeStaleTemporaries(dir, name);
  await syncDirectory(dir);
}

/** A save killed midway leaves NAME…tmp-<pid>; remove those whose process is gone. */
export async function removeStaleTemporaries(dir: string, name: string): Promise<void> {
  const prefix = `${validateSnapshotName(name)}${SNAPSHOT_EXTENSION}.tmp-`;
  for (const entry of await fs.readdir(dir).catch(() => [])) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && (pid === process.pid || !isAlive(pid))) {
      await fs.rm(path.join(dir, entry), { force: true });
    }
  }
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Makes a rename or unlink durable: the directory entry is data too. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
