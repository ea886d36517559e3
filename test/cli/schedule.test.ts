// kigen schedule as a user runs it: a real process with an embedded database, a cron that fires
// every second, and SIGTERM to stop it. The claim must make repeated ticks send nothing twice.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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

    const child = spawn(process.execPath, [CLI, 'schedule'], {
      env: { ...env, KIGEN_SCHEDULE_CRON: '* * * * * *' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const announced = await waitFor(child, /next run \S+/, 30_000);
    expect(announced).toMatch(/next run \d{4}-\d{2}-\d{2}T/);
    // Two ticks: the first runs (or skips) the date, the second finds it done.
    const first = await waitFor(child, /"msg":"run for \d{4}-\d{2}-\d{2}: (completed|skipped)"/, 60_000);
    const filesAfterFirst = outboxFiles();
    await waitFor(
      child,
      new RegExp(`${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*"msg":"run for`),
      60_000,
    );
    expect(outboxFiles()).toEqual(filesAfterFirst);
    if (first.includes('completed')) expect(filesAfterFirst.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});

function outboxFiles(): string[] {
  try {
    return readdirSync(path.join(dataDir, 'outbox'))
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
}
