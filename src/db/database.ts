// One factory for the database: embedded PGlite in a data folder, or a PostgreSQL server through a pg Pool.
// The same SQL runs on both. pg and PGlite are imported only inside db/.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DatabaseUnavailableError, KigenError, maskUrlPassword } from '../config/errors.ts';
import type { Database } from './schema.ts';
import { createStatementStats, type StatementStats } from './statement-stats.ts';

const DATE_OID = 1082;
const INT8_OID = 20;

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string }
  /** An in-memory PGlite, optionally started from a dumped data folder (tests, templates). */
  | { kind: 'pglite-memory'; loadDataDir?: Blob }
  | { kind: 'postgres'; url: string; maxConnections?: number };

export interface Db {
  readonly kind: 'pglite' | 'postgres';
  readonly k: Kysely<Database>;
  readonly stats: StatementStats;
  /**
   * Takes a session-level lock that the database releases by itself if this process dies.
   * Returns a release function, or null when another process holds it. `onLost` is called (once) when
   * the connection holding the lock is lost: the database has released the lock by then.
   */
  tryLock(key: number, onLost?: (error: Error) => void): Promise<(() => Promise<void>) | null>;
  /** Bulk-loads rows (COPY on PostgreSQL, a CSV blob COPY on PGlite). Values must not contain raw objects. */
  copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Dumps the whole embedded database (PGlite only), for snapshots of test templates. */
  dumpDataDir?(): Promise<Blob>;
  /**
   * Runs `fn` in one transaction on one connection (COPY in and out, TRUNCATE and SET LOCAL need a
   * single session): committed when `fn` resolves, rolled back when it throws. 'read' is a
   * read-only REPEATABLE READ transaction, so every table is read from the same snapshot.
   * Inside `fn` use only the session: on PGlite a query through `k` would wait for the transaction.
   */
  copySession<T>(mode: 'read' | 'write', fn: (session: CopySession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Bulk CSV in and out inside the transaction of Db.copySession. */
export interface CopySession {
  /** Runs one statement without parameters or results (TRUNCATE, SET LOCAL, SELECT setval …). */
  execute(statement: string): Promise<void>;
  /** Runs one statement with bound parameters and returns its rows. */
  query<T>(statement: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Streams the CSV of `COPY (select) TO STDOUT WITH (FORMAT csv)` to `onData`, awaiting it for
   * back-pressure; resolves to the number of rows. On PGlite the whole CSV is one blob in memory.
   */
  copyOut(select: string, onData: (chunk: Uint8Array) => Promise<void> | void): Promise<number>;
  /**
   * COPY table (columns) FROM the CSV of `source`; resolves to the number of rows. `freeze` needs
   * the table to be truncated earlier in this transaction. On PGlite the CSV is buffered in memory.
   */
  copyIn(
    table: string,
    columns: readonly string[],
    source: AsyncIterable<Uint8Array>,
    options?: { freeze?: boolean },
  ): Promise<number>;
}

export class DatabaseBusyError extends KigenError {
  constructor(message: string) {
    super('DATABASE_BUSY', message);
    this.name = 'DatabaseBusyError';
  }
}

export interface OpenOptions {
  /**
   * Create the embedded database when its folder holds none (default true). false: a missing
   * embedded database is an EmbeddedDatabaseMissingError and nothing is written (read-only commands).
   */
  create?: boolean;
}

/** A read-only command found no embedded database where the configuration points. */
export class EmbeddedDatabaseMissingError extends KigenError {
  constructor(dataDir: string) {
    super(
      'SCHEMA_NOT_READY',
      `there is no embedded database in ${dataDir} (wrong KIGEN_DATA_DIR?); create it with "kigen migrate", "kigen seed" or "kigen demo" (this command changes nothing)`,
    );
    this.name = 'EmbeddedDatabaseMissingError';
  }
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Db> {
  if (
    target.kind === 'pglite' &&
    options.create === false &&
    !fs.existsSync(path.join(target.dataDir, 'PG_VERSION'))
  ) {
    throw new EmbeddedDatabaseMissingError(target.dataDir);
  }
  return target.kind === 'postgres'
    ? openPostgres(target.url, target.maxConnections ?? 10)
    : openPglite(target);
}

function countingLog(stats: StatementStats) {
  return (event: { level: string; query: { sql: string } }) => stats.record(event.query.sql);
}

async function openPostgres(url: string, maxConnections: number): Promise<Db> {
  const stats = createStatementStats();
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        // Keep DATE as the 'YYYY-MM-DD' string: a JS Date would shift it by the process's time zone.
        if (oid === DATE_OID) return (v: string) => v;
        if (oid === INT8_OID) return (v: string) => v;
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Nor one that is checked out between two statements: a server that ends the connection right after a
  // statement's reply (pg_terminate_backend, a restart) makes the client emit 'error' with no query to
  // take it, while the pool's own listener is off. The client is then unusable; the pool discards it
  // when it comes back, and the statement that needs it next is retried (connection-loss.ts).
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw describeConnectError(url, error);
  }
  const k = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: countingLog(stats) });
  return {
    kind: 'postgres',
    k,
    stats,
    async tryLock(key, onLost) {
      const client = await pool.connect();
      // The client stays checked out for the whole run, so the pool's idle error listener is off: without
      // this one, a connection lost meanwhile (server restart, pg_terminate_backend) is an unhandled
      // 'error' event that ends the process.
      let lost: Error | null = null;
      let held = false;
      const onError = (error: Error) => {
        if (lost) return;
        lost = error;
        // Before the lock is granted, the failing query reports the loss to the caller instead.
        if (held) onLost?.(error);
      };
      client.on('error', onError);
      const done = (error?: Error) => {
        client.off('error', onError);
        client.release(error ?? false);
      };
      stats.record('select pg_try_advisory_lock');
      let ok = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
        ok = Boolean(rows[0]?.ok);
      } catch (error) {
        done(error as Error);
        throw error;
      }
      if (!ok || lost) {
        done(lost ?? undefined);
        if (lost) throw lost;
        return null;
      }
      held = true;
      return async () => {
        // A lost connection took the lock with it: the dead client is discarded, not returned to the pool.
        if (lost) return done(lost);
        try {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
          done();
        } catch (error) {
          done(error as Error);
        }
      };
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const { from } = await import('pg-copy-streams');
      const { pipeline } = await import('node:stream/promises');
      const { Readable } = await import('node:stream');
      const client = await pool.connect();
      try {
        stats.record('copy');
        const stream = client.query(
          from(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`),
        );
        await pipeline(Readable.from(csvLines(rows)), stream);
      } finally {
        client.release();
      }
    },
    async copySession(mode, fn) {
      const { from, to } = await import('pg-copy-streams');
      const client = await pool.connect();
      // A COPY TO abandoned midway leaves the connection unusable: it is discarded, not rolled back.
      let broken = false;
      const session: CopySession = {
        async execute(statement) {
          stats.record(statement);
          await client.query(statement);
        },
        async query<T>(statement: string, params: readonly unknown[] = []) {
          stats.record(statement);
          const result = await client.query(statement, params as unknown[]);
          return result.rows as T[];
        },
        async copyOut(select, onData) {
          stats.record(select);
          const stream = client.query(to(`COPY (${select}) TO STDOUT WITH (FORMAT csv)`));
          broken = true;
          for await (const chunk of stream) await onData(chunk as Buffer);
          broken = false;
          return stream.rowCount;
        },
        async copyIn(table, columns, source, options = {}) {
          const statement = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv${options.freeze ? ', FREEZE' : ''})`;
          stats.record(statement);
          const stream = client.query(from(statement));
          await pipeline(Readable.from(source), stream);
          return stream.rowCount;
        },
      };
      try {
        await session.execute(
          mode === 'read'
            ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'
            : 'BEGIN ISOLATION LEVEL READ COMMITTED',
        );
        const result = await fn(session);
        await session.execute('COMMIT');
        client.release();
        return result;
      } catch (error) {
        let discard: boolean | Error = broken;
        if (!broken) await client.query('ROLLBACK').catch((e: Error) => (discard = e));
        client.release(discard);
        throw error;
      }
    },
    close: () => k.destroy(),
  };
}

function describeConnectError(url: string, error: unknown): DatabaseUnavailableError {
  let where = maskUrlPassword(url);
  try {
    const u = new URL(url);
    where = `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {}
  const e = error as { code?: string; message?: string };
  const hint =
    e.code === 'ECONNREFUSED'
      ? 'is PostgreSQL running and listening there?'
      : e.code === '3D000'
        ? 'create the database first (createdb), or fix the name in DATABASE_URL'
        : e.code === '28P01' || e.code === '28000'
          ? 'check the user and password in DATABASE_URL'
          : 'check DATABASE_URL';
  return new DatabaseUnavailableError(
    `DATABASE_URL: cannot connect to ${where} (${e.code ?? e.message ?? 'unknown error'}); ${hint}. URL: ${maskUrlPassword(url)}`,
    { cause: error },
  );
}

/**
 * Settings the embedded engine starts with, on top of PGlite's own (its defaultStartParams); given on
 * the command line of its single-user backend, so nothing is written to the data folder.
 * - shared_buffers: PGlite keeps Postgres's default of 128 MB, and the WASM build zeroes the whole
 *   pool while it starts: with 128 MB that was ~0.5 s of CPU and ~110 MB of RSS of every `kigen`
 *   command on PGlite, before any query (docs/embedded-start-up.md has the figures). Blocks not in
 *   the pool are read from the data folder through the OS's page cache; a run reads each table
 *   about once per chunk of offices, and scans of tables larger than a quarter of the pool go
 *   through a small ring buffer at any pool size. wal_buffers follows it (1/32 of it).
 * Durability is untouched: fsync and synchronous_commit stay as PGlite sets them.
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'] as const;

async function openPglite(target: Exclude<DatabaseTarget, { kind: 'postgres' }>): Promise<Db> {
  const stats = createStatementStats();
  let releaseDir: (() => void) | undefined;
  // Loaded only when used: a PostgreSQL process never pays for the WASM engine's code.
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite: PGlite;
  const options = {
    parsers: { [DATE_OID]: (v: string) => v, [INT8_OID]: (v: string) => v },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
  };
  if (target.kind === 'pglite') {
    fs.mkdirSync(target.dataDir, { recursive: true });
    releaseDir = lockDataDir(target.dataDir);
    try {
      pglite = await PGlite.create(target.dataDir, options);
    } catch (error) {
      releaseDir();
      throw new DatabaseUnavailableError(
        `cannot open the embedded database in ${target.dataDir} (${(error as Error).message}); move the folder away to start afresh, or set DATABASE_URL`,
        { cause: error },
      );
    }
  } else {
    pglite = await PGlite.create({
      ...options,
      ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
    });
  }
  const k = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), log: countingLog(stats) });
  return {
    kind: 'pglite',
    k,
    stats,
    // One process owns an embedded database (the data-folder lock), so a lock inside it always succeeds.
    tryLock: async () => async () => {},
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      stats.record('copy');
      const blob = new Blob([...csvLines(rows)]);
      await pglite.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
        blob,
      });
    },
    dumpDataDir: async () => pglite.dumpDataDir('none'),
    copySession: (mode, fn) =>
      pglite.transaction(async (tx) => {
        stats.record('begin');
        if (mode === 'read') await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return fn({
          async execute(statement) {
            stats.record(statement);
            await tx.exec(statement);
          },
          async query<T>(statement: string, params: readonly unknown[] = []) {
            stats.record(statement);
            return (await tx.query<T>(statement, params as unknown[])).rows;
          },
          async copyOut(select, onData) {
            stats.record(select);
            // PGlite has no COPY TO STDOUT stream: the table's CSV arrives as one blob.
            const result = await tx.query(`COPY (${select}) TO '/dev/blob' WITH (FORMAT csv)`);
            if (result.blob) for await (const chunk of result.blob.stream()) await onData(chunk);
            return result.affectedRows ?? 0;
          },
          async copyIn(table, columns, source, options = {}) {
            const statement = `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv${options.freeze ? ', FREEZE' : ''})`;
            stats.record(statement);
            // COPY FROM STDIN through a stream hangs on PGlite; its /dev/blob needs the whole CSV at once.
            const chunks: Uint8Array<ArrayBuffer>[] = [];
            for await (const chunk of source) chunks.push(chunk as Uint8Array<ArrayBuffer>);
            const result = await tx.query(statement, [], { blob: new Blob(chunks) });
            return result.affectedRows ?? 0;
          },
        });
      }),
    async close() {
      try {
        await k.destroy();
      } finally {
        releaseDir?.();
      }
    },
  };
}

/** PGlite allows one process per data folder: a pid file guards it, and a dead owner's file is taken over. */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.lock`);
  // The pid is written to a private file first and then linked into place: link() fails if the lock
  // exists, and a reader never sees a lock file without its pid.
  const mine = `${lockPath}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid));
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        fs.linkSync(mine, lockPath);
        return () => fs.rmSync(lockPath, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(fs.readFileSync(lockPath, 'utf8'));
        if (owner && owner !== process.pid && isAlive(owner)) {
          throw new DatabaseBusyError(
            `the embedded database in ${dataDir} is in use by process ${owner}; wait for it to finish (or use PostgreSQL via DATABASE_URL to run several processes at once)`,
          );
        }
        // The owner is gone: take the lock over.
        fs.rmSync(lockPath, { force: true });
      }
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  throw new DatabaseBusyError(`could not lock the embedded database in ${dataDir}; try again`);
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Rows as CSV lines for COPY … WITH (FORMAT csv): every field quoted, NULL as an empty field. */
export function* csvLines(rows: readonly (readonly unknown[])[]): Generator<string> {
  for (const row of rows) yield `${row.map(csvField).join(',')}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = value instanceof Date ? value.toISOString() : String(value);
  return `"${s.replaceAll('"', '""')}"`;
}
