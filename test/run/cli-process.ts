// `kigen run` as a child process for the CLI tests, and the database a set of processes works on:
// a fresh PostgreSQL test database (DATABASE_URL), or a fresh copy of a migrated PGlite data folder
// (KIGEN_DATA_DIR) holding the same hand-made data. Both hold 4 offices × 10 staff: 40 emails a day.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import type { RunSummary } from '../../src/run/summary.ts';
import { openTestDatabase } from '../helpers/databases.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';
import { addDays, FROM, messageIdOf } from './harness.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is the JSON summary. */
  json: RunSummary | undefined;
}

/** Environment of every child: nothing inherited but PATH and HOME, quick retries, no logs. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LOG_LEVEL: 'silent',
    MAIL_FROM: FROM,
    KIGEN_RETRY_BASE_MS: '5',
    KIGEN_RETRY_MAX_MS: '20',
  };
}

/** Starts a node script of the repository (default: the CLI) with `args`. */
export function startNode(
  script: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      let json: RunSummary | undefined;
      if (stdout.trimStart().startsWith('{')) json = JSON.parse(stdout) as RunSummary;
      resolve({ code, signal, stdout, stderr, json });
    });
  });
  return { child, result };
}

/** `kigen run …` as a child process. */
export function startRun(args: string[], env: Record<string, string>) {
  return startNode('src/cli/main.ts', ['run', ...args], env);
}

export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return startRun(args, env).result;
}

/**
 * The data every CLI test works on: 4 offices, each with 10 staff (40 emails) and an overdue, a near and an
 * incomplete recipient, plus one push-only staff member.
 */
export async function insertCliData(db: Db, runDate: string): Promise<StaffFixture[]> {
  const fx = createFixtures(db);
  const staff: StaffFixture[] = [];
  for (let o = 0; o < 4; o++) {
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(runDate, -2) });
    await fx.recipient({ office, deadline: addDays(runDate, 12) });
    await fx.recipient({ office, deadline: null, deliverables: [] });
    for (let s = 0; s < 10; s++) staff.push(await fx.staff({ offices: [office] }));
    if (o === 0) {
      // Push only, and push is never configured in these tests: no email, and no push planned either.
      const pushOnly = await fx.staff({
        offices: [office],
        emailNotification: false,
        pushNotification: true,
      });
      await fx.pushSubscription({
        staff: pushOnly.id,
        endpoint: 'https://push.example.jp/1',
        p256dh: 'p',
        auth: 'a',
      });
    }
  }
  return staff;
}

/** The Message-ID of each staff member's digest on `runDate`. */
export function digestIds(runDate: string, staff: readonly StaffFixture[]): string[] {
  return staff.map((s) =>
    messageIdOf(runDate, { staffId: s.id, channel: 'email', device: '', officeKey: '' }),
  );
}

export interface Prepared {
  /** DATABASE_URL or KIGEN_DATA_DIR for the children. */
  env: Record<string, string>;
  staff: StaffFixture[];
  /** Opens the database the children used (PGlite: only once they have exited). Close it after use. */
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

export interface CliTarget {
  engine: 'pglite' | 'postgres';
  /** Fresh data for one test. */
  prepare(): Promise<Prepared>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: one test database, truncated and refilled per test.
 * PGlite: one migrated data folder built once (starting PGlite costs seconds), copied per test.
 */
export async function cliTarget(engine: 'pglite' | 'postgres', dataDate: string): Promise<CliTarget> {
  if (engine === 'postgres') {
    const db = await openTestDatabase('postgres');
    return {
      engine,
      async prepare() {
        await truncateAll(db);
        const staff = await insertCliData(db, dataDate);
        return {
          env: { DATABASE_URL: db.url as string },
          staff,
          open: async () => ({ db, close: async () => {} }),
        };
      },
      close: () => db.close(),
    };
  }
  const root = mkdtempSync(path.join(tmpdir(), 'kigen-cli-'));
  const template = path.join(root, 'template');
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(template, 'pgdata') });
  let staff: StaffFixture[];
  try {
    await migrateToLatest(db.k);
    staff = await insertCliData(db, dataDate);
  } finally {
    await db.close();
  }
  let copies = 0;
  return {
    engine,
    async prepare() {
      const dir = path.join(root, `copy-${++copies}`);
      cpSync(template, dir, { recursive: true });
      return {
        env: { KIGEN_DATA_DIR: dir },
        staff,
        async open() {
          const opened = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pgdata') });
          return { db: opened, close: () => opened.close() };
        },
      };
    },
    async close() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
