// The real CLI as a child process (Node 24 of this test run, type stripping): output, exit codes and
// messages that scripts and people rely on.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, testEngines } from '../helpers/databases.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmpRoot: string;
/** One embedded data dir for the tests that need a database: creating one (initdb) costs seconds of CPU. */
let embeddedDir: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-cli-test-'));
  embeddedDir = path.join(tmpRoot, 'embedded');
});
afterAll(() => {
  // Only processes this file started, by their own handle.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

/** The environment without any kigen setting of the developer's shell, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DATABASE_URL|KIGEN_|SMTP_|VAPID_|MAIL_FROM|LOG_LEVEL|TZ$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

function start(
  args: string[],
  env: Record<string, string> = {},
  cwd = tmpRoot,
): ChildProcess & { done: Promise<Result> } {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(child, { done });
}

const kigen = (args: string[], env: Record<string, string> = {}) => start(args, env).done;

function freshDataDir(name: string): string {
  return fs.mkdtempSync(path.join(tmpRoot, `${name}-`));
}

interface AlertJson {
  type: 'renewal_overdue' | 'renewal_deadline' | 'assessment_incomplete';
  officeId: string;
  recipientId: string;
  name: string;
  deadline: string | null;
  daysRemaining: number | null;
  message: string;
}

interface AlertsJson {
  runDate: string;
  timeZone: string;
  offices: Array<{ office: { id: string; name: string }; alerts: AlertJson[] }>;
}

/** Each embedded-database process starts PGlite (seconds of CPU): allow for a busy machine. */
const PGLITE_TIMEOUT = 180_000;

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

describe.each(testEngines())('kigen seed + alerts on %s', (engine) => {
  let target: string[];
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') {
      const created = await createPostgresDatabase();
      drop = created.drop;
      target = ['--database-url', created.url];
    } else {
      target = ['--data-dir', embeddedDir];
    }
  });
  afterAll(async () => {
    await drop?.();
  });

  it(
    'seeds 3 offices, then prints their alerts as JSON in the product.md wording',
    async () => {
      const seeded = await kigen(['seed', '--offices', '3', '--base-date', '2026-12-01', ...target]);
      expect(seeded.stderr).not.toMatch(/error/i);
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toMatch(/seeded in [\d.]+ s \((pglite|postgres)\): 3 offices, 30 staffs/);

      const result = await kigen(['alerts', '--date', '2026-12-01', '--json', ...target]);
      expect(result.stderr).not.toMatch(/error|fatal/i);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as AlertsJson;
      expect(json.runDate).toBe('2026-12-01');
      expect(json.timeZone).toBe('Asia/Tokyo');
      expect(json.offices.length).toBeGreaterThanOrEqual(1);
      expect(json.offices.length).toBeLessThanOrEqual(3);

      const alerts = json.offices.flatMap((o) => o.alerts);
      expect(new Set(alerts.map((a) => a.type))).toEqual(
        new Set(['renewal_overdue', 'renewal_deadline', 'assessment_incomplete']),
      );
      for (const { office, alerts: officeAlerts } of json.offices) {
        for (const alert of officeAlerts) {
          expect(alert.officeId).toBe(office.id);
          // 氏名 = last name + half-width space + first name.
          expect(alert.name).toMatch(/^\S+ \S+$/);
          if (alert.type === 'assessment_incomplete') {
            expect(alert.message).toBe(`${alert.name}のアセスメントが完了していません`);
            continue;
          }
          const days = dayNumber(alert.deadline ?? '') - dayNumber('2026-12-01');
          expect(alert.daysRemaining).toBe(days);
          expect(days).toBeLessThanOrEqual(30);
          if (alert.type === 'renewal_overdue') {
            expect(days).toBeLessThanOrEqual(0);
            expect(alert.message).toBe(`${alert.name}の更新期限が過ぎています`);
          } else {
            expect(days).toBeGreaterThan(0);
            expect(alert.message).toBe(`${alert.name}の更新期限まで残り${days}日`);
          }
        }
        // Renewals (overdue first, by deadline) before assessments.
        const kinds = officeAlerts.map((a) => (a.type === 'assessment_incomplete' ? 1 : 0));
        expect(kinds).toEqual([...kinds].sort());
        const deadlines = officeAlerts.flatMap((a) => (a.deadline ? [a.deadline] : []));
        expect(deadlines).toEqual([...deadlines].sort());
      }
    },
    PGLITE_TIMEOUT,
  );
});

// Each of these exits before opening a database: they can run side by side.
describe.concurrent('kigen usage and configuration errors', () => {
  it('reports a bad chunk size, a bad time zone and a bad flag value together, exit 2', async () => {
    const result = await kigen(['alerts', '--date', '2026-12-01', '--scope', 'staging'], {
      KIGEN_CHUNK_SIZE: 'abc',
      KIGEN_TIME_ZONE: 'Mars/Base',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/KIGEN_CHUNK_SIZE: .*"abc"/);
    expect(result.stderr).toMatch(/KIGEN_TIME_ZONE: .*"Mars\/Base"/);
    expect(result.stderr).toMatch(/KIGEN_DATA_SCOPE: .*"staging"/);
    expect(result.stderr).toMatch(/See README.md/);
    expect(result.stdout).toBe('');
  });

  it('rejects a bad flag value, exit 2', async () => {
    const result = await kigen(['alerts', '--chunk-size', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--chunk-size/);
    expect(result.stderr).toMatch(/expected a whole number ≥ 1, got "abc"/);
  });

  it('rejects an impossible date with a message that says what is expected, exit 2', async () => {
    const result = await kigen(['alerts', '--date', '2026-02-30', '--data-dir', freshDataDir('date')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2026-02-30');
    expect(result.stderr).toMatch(/day 30 is not 1–28/);
    expect(result.stderr).toMatch(/YYYY-MM-DD/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('names an unreachable DATABASE_URL server without its password, exit 2', async () => {
    const result = await kigen(['alerts', '--date', '2026-12-01'], {
      DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('127.0.0.1:1');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toMatch(/is PostgreSQL running/);
    expect(`${result.stdout}${result.stderr}`).not.toContain('secret');
  });
});

describe('kigen on an embedded database in use', () => {
  it(
    'stops a second process on the same data dir with exit 3 while the first runs',
    async () => {
      // The data dir of the tests above, when they ran: no initdb, so the seed must be long enough.
      const dataDir = embeddedDir;
      const lockFile = path.join(dataDir, 'pgdata.lock');
      const first = start([
        'seed',
        '--offices',
        '200',
        '--reset',
        '--base-date',
        '2026-12-01',
        '--data-dir',
        dataDir,
      ]);
      const deadline = Date.now() + 30_000;
      while (!fs.existsSync(lockFile)) {
        if (Date.now() > deadline || first.exitCode !== null)
          throw new Error('the first process never took the lock');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }

      const second = await kigen(['alerts', '--date', '2026-12-01', '--data-dir', dataDir]);
      expect(first.exitCode).toBeNull(); // still running: the refusal was about it
      expect(second.code).toBe(3);
      expect(second.stderr).toContain(`in use by process ${first.pid}`);
      expect(second.stderr).toMatch(/DATABASE_URL/);
      expect(second.stdout).toBe('');

      const firstResult = await first.done;
      expect(firstResult.code).toBe(0);
      expect(firstResult.stdout).toMatch(/: 200 offices/);
      // The lock goes with the process that held it.
      expect(fs.existsSync(lockFile)).toBe(false);
    },
    PGLITE_TIMEOUT,
  );
});
