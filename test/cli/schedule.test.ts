// kigen schedule as a user runs it: a real process with an embedded database, a cron that fires
// every second, and SIGTERM to stop it. The claim must make repeated ticks send nothing twice.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const dataDir = mkdtempSync(path.join(tmpdir(), 'kigen-schedule-'));
const env = { ...process.env, KIGEN_DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '', SMTP_URL: '' };

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${seen}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
}

describe('kigen schedule', () => {
  it('runs on its cron, sends each message once across ticks, and exits 0 on SIGTERM', async () => {
    // Today in Tokyo may be a weekend or holiday: then the tick is a recorded skip, which is also correct.
    const seed = spawnSync(process.execPath, [CLI, 'seed', '--offices', '3'], { env, encoding: 'utf8' });
    expect(seed.status, seed.stderr).toBe(0);

    const child = collectStderr(
      spawn(process.execPath, [CLI, 'schedule'], {
        env: { ...env, KIGEN_SCHEDULE_CRON: '* * * * * *' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The next run in KIGEN_TIME_ZONE (Asia/Tokyo) with its offset, not in UTC.
    const announced = await waitFor(child, /"msg":"next run [^"]+"/, 30_000);
    expect(announced).toMatch(/next run \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+09:00/);
    // Two ticks: the first runs (or skips) the date, the second finds it done.
    const first = await waitFor(child, /"msg":"run for \d{4}-\d{2}-\d{2}: (completed|skipped)"/, 90_000);
    const filesAfterFirst = outboxFiles();
    await waitFor(
      child,
      new RegExp(`${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*"msg":"run for`),
      90_000,
    );
    expect(outboxFiles()).toEqual(filesAfterFirst);
    if (first.includes('completed')) expect(filesAfterFirst.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Logs only: every line on stderr is one JSON object.
    for (const line of stderrOf(child).split('\n').filter(Boolean))
      expect(() => JSON.parse(line), line).not.toThrow();
  }, 300_000);

  it("started after today's run time, runs today once at start; started again, does not run it twice", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'kigen-schedule-late-'));
    const lateEnv = { ...env, KIGEN_DATA_DIR: fresh, KIGEN_SCHEDULE_CRON: '0 0 * * *' };
    try {
      const seed = spawnSync(process.execPath, [CLI, 'seed', '--offices', '3'], {
        env: lateEnv,
        encoding: 'utf8',
      });
      expect(seed.status, seed.stderr).toBe(0);
      // 00:00 in Tokyo has always passed today: the scheduler must not wait for tomorrow.
      const first = spawn(process.execPath, [CLI, 'schedule'], {
        env: lateEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const firstExit = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
      const ran = await waitFor(first, /"msg":"run for (\d{4}-\d{2}-\d{2}): (completed|skipped)"/, 60_000);
      first.kill('SIGTERM');
      expect(await firstExit).toBe(0);
      const files = readdirSyncSafe(path.join(fresh, 'outbox'));
      if (ran.includes('completed')) expect(files.length).toBeGreaterThan(0);

      const second = spawn(process.execPath, [CLI, 'schedule'], {
        env: lateEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const secondExit = new Promise<number | null>((resolve) => second.on('exit', (code) => resolve(code)));
      await waitFor(
        second,
        /"msg":"run for \d{4}-\d{2}-\d{2} already recorded; waiting for the next run"/,
        60_000,
      );
      second.kill('SIGTERM');
      expect(await secondExit).toBe(0);
      expect(stderrOf(second)).not.toMatch(/"msg":"run for \d{4}-\d{2}-\d{2}: /);
      expect(readdirSyncSafe(path.join(fresh, 'outbox'))).toEqual(files);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000);

  it("applies retention after the day's run: audit rows older than KIGEN_RETAIN_AUDIT_DAYS go, newer stay", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'kigen-schedule-prune-'));
    const pruneEnv = {
      ...env,
      KIGEN_DATA_DIR: fresh,
      KIGEN_SCHEDULE_CRON: '0 0 * * *',
      KIGEN_RETAIN_AUDIT_DAYS: '30',
    };
    const auditActions = async () => {
      const db = await openDatabase({ kind: 'pglite', dataDir: path.join(fresh, 'pgdata') });
      try {
        const rows = await db.k
          .selectFrom('audit_logs')
          .select('action')
          .where('action', 'like', 'test.%')
          .execute();
        return rows.map((r) => r.action).sort();
      } finally {
        await db.close();
      }
    };
    try {
      const seed = spawnSync(process.execPath, [CLI, 'seed', '--offices', '2'], {
        env: pruneEnv,
        encoding: 'utf8',
      });
      expect(seed.status, seed.stderr).toBe(0);
      const db = await openDatabase({ kind: 'pglite', dataDir: path.join(fresh, 'pgdata') });
      try {
        await sql`INSERT INTO audit_logs (action, created_at) VALUES
          ('test.old', now() - interval '31 days'), ('test.recent', now() - interval '29 days')`.execute(
          db.k,
        );
      } finally {
        await db.close();
      }
      expect(await auditActions()).toEqual(['test.old', 'test.recent']);

      // 00:00 in Tokyo has passed: the schedule runs today at once, then applies retention.
      const child = collectStderr(
        spawn(process.execPath, [CLI, 'schedule'], { env: pruneEnv, stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(child, /"msg":"retention applied"/, 120_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const line = stderrOf(child)
        .split('\n')
        .find((l) => l.includes('"msg":"retention applied"'));
      expect(JSON.parse(line ?? '{}').pruned).toMatchObject({ deletedAuditRows: 1 });
      expect(await auditActions()).toEqual(['test.recent']);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000);
});

const stderrText = new WeakMap<ChildProcess, string>();
/** Everything the child wrote on stderr so far (collected from its start). */
function stderrOf(child: ChildProcess): string {
  return stderrText.get(child) ?? '';
}

function collectStderr(child: ChildProcess): ChildProcess {
  child.stderr?.on('data', (chunk: Buffer) => stderrText.set(child, stderrOf(child) + chunk.toString()));
  return child;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
}

function outboxFiles(): string[] {
  try {
    return readdirSync(path.join(dataDir, 'outbox'))
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
}
