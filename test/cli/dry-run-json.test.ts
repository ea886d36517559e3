// `kigen run --dry-run --json` streams its notice list inside one JSON document.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'src/cli/main.ts');
const dataDir = mkdtempSync(path.join(tmpdir(), 'kigen-dry-json-'));
const env = { ...process.env, KIGEN_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '', SMTP_URL: '' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kigen run --dry-run --json', () => {
  it('prints one JSON document whose notices match the planned counts, and sends nothing', () => {
    const seed = spawnSync(process.execPath, [CLI, 'seed', '--offices', '4', '--base-date', '2026-12-01'], {
      env,
      encoding: 'utf8',
    });
    expect(seed.status, seed.stderr).toBe(0);
    const run = spawnSync(process.execPath, [CLI, 'run', '--date', '2026-12-01', '--dry-run', '--json'], {
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.mode).toBe('dry-run');
    expect(summary.deliveries.email.planned).toBeGreaterThan(0);
    expect(summary.notices).toHaveLength(summary.deliveries.email.planned + summary.deliveries.push.planned);
    for (const notice of summary.notices) {
      expect(notice.counts.overdue + notice.counts.renewal + notice.counts.assessment).toBeGreaterThan(0);
    }
    expect(summary.deliveries.email.sent).toBe(0);
    expect(existsSync(path.join(dataDir, 'outbox'))).toBe(false);
  }, 180_000);
});
