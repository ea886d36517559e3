// Data sets for the benchmark: a fresh PostgreSQL database (createdb kigen_bench_<n>) or a temporary
// KIGEN_DATA_DIR for PGlite, filled by `kigen seed` run as a child process, and reset between runs
// so that every run sends everything again.
//
// Reset, PostgreSQL: TRUNCATE deliveries, runs, audit_logs, and put back the push subscriptions
// that a 404/410 made kigen (or the baseline) delete, from a copy taken after seeding.
// Reset, PGlite: the data folder is copied after seeding and copied back before each run, so the
// harness never opens PGlite itself (each instance costs seconds and hundreds of MB).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeFailure, runCommand, runNode } from './child.ts';

export interface Dataset {
  kind: 'pglite' | 'postgres';
  /** DATABASE_URL or KIGEN_DATA_DIR for the children. */
  env: Record<string, string>;
  /** Where it lives (database name or folder), for the results. */
  where: string;
  /** How it was made: 'seed' or 'snapshot'. */
  source: 'seed' | 'snapshot';
  seedMs: number;
  /** Back to the seeded state; `pushSent` also restores subscriptions that a 404/410 deleted. */
  reset(opts: { pushSent: boolean }): Promise<void>;
  dispose(): Promise<void>;
}

export interface DatasetRequest {
  kind: 'pglite' | 'postgres';
  offices: number;
  seed: number;
  baseDate: string;
  /** Seeded push endpoints are this plus an id (the push sink); undefined = kigen's default. */
  pushEndpointBase: string | undefined;
  cwd: string;
  pgAdminUrl: string;
  timeoutMs: number;
  /** Use `kigen snapshot save/restore` when the CLI has it (large data sets without push). */
  useSnapshots: boolean;
  /** Keep the database / folder after dispose(). */
  keep: boolean;
}

/** The kigen entry point; BENCH_KIGEN_CLI points the harness at another one (harness self-tests). */
export const KIGEN_CLI = process.env.BENCH_KIGEN_CLI ?? 'src/cli/main.ts';
const CLI = KIGEN_CLI;
/** Databases and folders still to remove if the harness is interrupted. */
const cleanups = new Map<string, () => void>();

/** Removes what prepareDataset created and dispose() has not removed yet (SIGINT, crash). */
export function cleanupDatasetsSync(): void {
  for (const fn of cleanups.values()) {
    try {
      fn();
    } catch {}
  }
  cleanups.clear();
}

export function pgConnection(adminUrl: string) {
  const u = new URL(adminUrl);
  const host = u.hostname || '127.0.0.1';
  const port = u.port || '5432';
  const user = decodeURIComponent(u.username || 'postgres');
  const password = decodeURIComponent(u.password);
  const cliArgs = ['-h', host, '-p', port, '-U', user];
  const env = password ? { ...process.env, PGPASSWORD: password } : process.env;
  const urlFor = (db: string) => {
    const x = new URL(adminUrl);
    x.pathname = `/${db}`;
    return x.toString();
  };
  return { cliArgs, env, urlFor };
}

/** Runs one SQL script with psql against a database; throws with psql's message on failure. */
export async function psql(
  adminUrl: string,
  db: string,
  script: string,
  timeoutMs = 120_000,
): Promise<string> {
  const pg = pgConnection(adminUrl);
  const r = await runCommand('psql', [...pg.cliArgs, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qtAc', script], {
    cwd: process.cwd(),
    env: pg.env,
    timeoutMs,
  });
  if (r.code !== 0) throw new Error(describeFailure(`psql (${script.slice(0, 60)}…)`, r));
  return r.stdout.trim();
}

let counter = 0;

export async function prepareDataset(req: DatasetRequest): Promise<Dataset> {
  return req.kind === 'postgres' ? preparePostgres(req) : preparePglite(req);
}

function seedArgs(req: DatasetRequest): string[] {
  return [
    CLI,
    'seed',
    '--offices',
    String(req.offices),
    '--seed',
    String(req.seed),
    '--base-date',
    req.baseDate,
    '--reset',
    ...(req.pushEndpointBase ? ['--push-endpoint-base', req.pushEndpointBase] : []),
  ];
}

/** The environment of every kigen child: nothing from the user's own kigen configuration leaks in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, val] of Object.entries(process.env)) {
    if (
      /^(DATABASE_URL|TEST_DATABASE_URL|KIGEN_|SMTP_|VAPID_|PUSH_|MAIL_FROM|APP_NAME|DASHBOARD_URL|LOG_LEVEL|NODE_EXTRA_CA_CERTS|NODE_OPTIONS)/.test(
        k,
      )
    )
      continue;
    env[k] = val;
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

async function seed(req: DatasetRequest, env: Record<string, string>): Promise<number> {
  const r = await runNode(seedArgs(req), {
    cwd: req.cwd,
    env: cleanEnv(env),
    timeoutMs: req.timeoutMs,
  });
  if (r.code !== 0) throw new Error(describeFailure('kigen seed', r));
  return r.wallMs;
}

let cliHasSnapshot: boolean | undefined;
async function hasSnapshotCommand(cwd: string): Promise<boolean> {
  if (cliHasSnapshot === undefined) {
    const r = await runNode([CLI, '--help'], { cwd, env: cleanEnv({}), timeoutMs: 60_000 });
    cliHasSnapshot = /^\s+snapshot\b/m.test(r.stdout);
  }
  return cliHasSnapshot;
}

async function preparePostgres(req: DatasetRequest): Promise<Dataset> {
  const pg = pgConnection(req.pgAdminUrl);
  // BENCH_DB_TAG (letters, digits, _) goes into the name, so people sharing a server can tell theirs apart.
  const tag = (process.env.BENCH_DB_TAG ?? '').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
  const name = `kigen_bench_${tag ? `${tag}_` : ''}${process.pid}_${++counter}`;
  const created = await runCommand('createdb', [...pg.cliArgs, name], {
    cwd: req.cwd,
    env: pg.env,
    timeoutMs: 60_000,
  });
  if (created.code !== 0) throw new Error(describeFailure(`createdb ${name}`, created));
  const dropSync = () => {
    // Synchronous, for an interrupted harness; FORCE ends a child's leftover connection.
    spawnSync('dropdb', [...pg.cliArgs, '--if-exists', '--force', name], {
      env: pg.env,
      stdio: 'ignore',
      timeout: 30_000,
    });
  };
  if (!req.keep) cleanups.set(name, dropSync);
  const url = pg.urlFor(name);
  const env = { DATABASE_URL: url };
  let source: Dataset['source'] = 'seed';
  let seedMs = 0;
  const snapshotName = `bench-postgres-${req.offices}-s${req.seed}-${req.baseDate}`;
  const snapshots = req.useSnapshots && (await hasSnapshotCommand(req.cwd));
  if (snapshots) {
    const started = performance.now();
    const r = await runNode([CLI, 'snapshot', 'restore', snapshotName], {
      cwd: req.cwd,
      env: cleanEnv(env),
      timeoutMs: req.timeoutMs,
    });
    if (r.code === 0) {
      source = 'snapshot';
      seedMs = performance.now() - started;
    }
  }
  if (source === 'seed') {
    seedMs = await seed(req, env);
    if (snapshots) {
      await runNode([CLI, 'snapshot', 'save', '--force', snapshotName], {
        cwd: req.cwd,
        env: cleanEnv(env),
        timeoutMs: req.timeoutMs,
      }).catch(() => undefined);
    }
  }
  // The copy that reset() restores push subscriptions from (only needed when push is sent).
  if (req.pushEndpointBase) {
    await psql(
      req.pgAdminUrl,
      name,
      'DROP TABLE IF EXISTS bench_push_subscriptions_copy; CREATE TABLE bench_push_subscriptions_copy AS TABLE push_subscriptions',
    );
  }
  return {
    kind: 'postgres',
    env,
    where: name,
    source,
    seedMs,
    async reset({ pushSent }) {
      const restorePush = pushSent
        ? 'DELETE FROM push_subscriptions; INSERT INTO push_subscriptions SELECT * FROM bench_push_subscriptions_copy;'
        : '';
      await psql(
        req.pgAdminUrl,
        name,
        `BEGIN; TRUNCATE deliveries, runs, audit_logs RESTART IDENTITY; ${restorePush} COMMIT;`,
      );
    },
    async dispose() {
      if (req.keep) return;
      const r = await runCommand('dropdb', [...pg.cliArgs, '--if-exists', '--force', name], {
        cwd: req.cwd,
        env: pg.env,
        timeoutMs: 120_000,
      });
      cleanups.delete(name);
      if (r.code !== 0) process.stderr.write(`${describeFailure(`dropdb ${name}`, r)}\n`);
    },
  };
}

async function preparePglite(req: DatasetRequest): Promise<Dataset> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-bench-'));
  const removeSync = () => fs.rmSync(dir, { recursive: true, force: true });
  if (!req.keep) cleanups.set(dir, removeSync);
  const env = { KIGEN_DATA_DIR: dir };
  const seedMs = await seed(req, env);
  const live = path.join(dir, 'pgdata');
  const pristine = path.join(dir, 'pgdata.pristine');
  fs.cpSync(live, pristine, { recursive: true });
  return {
    kind: 'pglite',
    env,
    where: dir,
    source: 'seed',
    seedMs,
    async reset() {
      fs.rmSync(live, { recursive: true, force: true });
      fs.rmSync(path.join(dir, 'outbox'), { recursive: true, force: true });
      fs.rmSync(`${live}.lock`, { force: true });
      fs.cpSync(pristine, live, { recursive: true });
    },
    async dispose() {
      if (req.keep) return;
      removeSync();
      cleanups.delete(dir);
    },
  };
}
