// kigen snapshot save|restore|list|delete: keep a generated data set and put it back in seconds.
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import {
  deleteSnapshot,
  listSnapshots,
  restoreSnapshot,
  SNAPSHOT_NAME_RULE,
  SnapshotError,
  type SnapshotHeader,
  saveSnapshot,
  snapshotDir,
  snapshotHeader,
  validateSnapshotName,
} from '../../db/snapshot.ts';
import { addGlobalFlags, configFrom, printJson, withApp } from '../context.ts';

/** A bad name is a usage error (exit 2), reported before anything is opened. */
function snapshotName(value: string): string {
  try {
    return validateSnapshotName(value);
  } catch (error) {
    if (error instanceof SnapshotError) throw new InvalidArgumentError(`use ${SNAPSHOT_NAME_RULE}`);
    throw error;
  }
}

const n = (v: number) => v.toLocaleString('en-US');
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const totalRows = (h: SnapshotHeader) => h.tables.reduce((sum, t) => sum + t.rows, 0);

function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function progress(verb: string): ((table: string, rows: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (table, rows) => process.stderr.write(`${verb} ${table}: ${n(rows)} rows\n`);
}

const STEPS = {
  checksum: 'checking the sha256 of the snapshot',
  keys: 'building keys and indexes, checking foreign keys',
  analyze: 'updating planner statistics (ANALYZE)',
} as const;

export function registerSnapshotCommand(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description('save the whole data set to a file and restore it (in <data dir>/snapshots)');

  addGlobalFlags(
    snapshot
      .command('save')
      .description('write every table to <data dir>/snapshots/NAME.kigen-snapshot')
      .argument('<name>', SNAPSHOT_NAME_RULE, snapshotName)
      .option('--force', 'replace a snapshot of the same name', false),
  ).action(async (name: string, opts) => {
    const config = configFrom(opts);
    const started = performance.now();
    const saved = await withApp(config, (app) =>
      saveSnapshot(app.db, snapshotDir(config.dataDir), name, {
        overwrite: Boolean(opts.force),
        onTable: progress('saved'),
      }),
    );
    process.stdout.write(
      `saved snapshot ${name} (${saved.header.engine}, schema ${saved.header.schemaVersion}): ` +
        `${n(totalRows(saved.header))} rows, ${formatBytes(saved.bytes)}, in ${seconds(started)}\n` +
        `  ${path.relative(process.cwd(), saved.file) || saved.file}\n`,
    );
  });

  addGlobalFlags(
    snapshot
      .command('restore')
      .description('replace all data with a snapshot, in one transaction (checked before anything changes)')
      .argument('<name>', SNAPSHOT_NAME_RULE, snapshotName)
      .option('--replace', 'allow replacing the data of a database that is not empty', false),
  ).action(async (name: string, opts) => {
    const config = configFrom(opts);
    const started = performance.now();
    // A missing or corrupt file is reported before the database is opened (and never created).
    await snapshotHeader(snapshotDir(config.dataDir), name);
    const restored = await withApp(config, async (app) => {
      const result = await restoreSnapshot(app.db, snapshotDir(config.dataDir), name, {
        replace: Boolean(opts.replace),
        onTable: progress('restored'),
        onStep: process.stderr.isTTY ? (step) => process.stderr.write(`${STEPS[step]}…\n`) : undefined,
      });
      return { ...result, engine: app.db.kind };
    });
    process.stdout.write(
      `restored snapshot ${name} into ${restored.engine}: ${n(totalRows(restored.header))} rows ` +
        `(${n(restored.header.tables.find((t) => t.name === 'offices')?.rows ?? 0)} offices) in ${seconds(started)}\n`,
    );
  });

  addGlobalFlags(
    snapshot
      .command('list')
      .description('list the snapshots with their size, date, schema and row counts')
      .option('--json', 'machine-readable output', false),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const dir = snapshotDir(config.dataDir);
    const listings = await listSnapshots(dir);
    if (opts.json) {
      printJson(listings.map(({ file: _file, ...rest }) => rest));
      return;
    }
    if (listings.length === 0) {
      process.stdout.write(`no snapshots in ${dir}\n`);
      return;
    }
    const rows = listings.map((s) =>
      s.header
        ? [
            s.name,
            formatBytes(s.bytes),
            s.header.createdAt.slice(0, 19).replace('T', ' '),
            s.header.schemaVersion,
            s.header.engine,
            n(s.header.tables.find((t) => t.name === 'offices')?.rows ?? 0),
            n(totalRows(s.header)),
          ]
        : [s.name, formatBytes(s.bytes), `unreadable: ${s.problem}`],
    );
    const head = ['NAME', 'SIZE', 'CREATED (UTC)', 'SCHEMA', 'ENGINE', 'OFFICES', 'ROWS'];
    const widths = head.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => (r.length > 3 ? (r[i] ?? '') : '').length)),
    );
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n`);
  });

  addGlobalFlags(
    snapshot
      .command('delete')
      .description('delete a snapshot file')
      .argument('<name>', SNAPSHOT_NAME_RULE, snapshotName),
  ).action(async (name: string, opts) => {
    const config = configFrom(opts);
    await deleteSnapshot(snapshotDir(config.dataDir), name);
    process.stdout.write(`deleted snapshot ${name}\n`);
  });
}
