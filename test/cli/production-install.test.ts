// A production install runs every command (issue 11, item 11): `npm ci --omit=dev` keeps the Node 24 that
// kigen depends on, and bin/kigen.js runs the CLI with it when the Node it was started with cannot run
// TypeScript (the system's Node 20 here). Without that Node it says, in one line, which version is needed.
// The install is offline, from the npm cache the project's own `npm ci` filled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEM_NODE = '/usr/bin/node';

/** The system's Node, when it is one that cannot run kigen's TypeScript by itself. */
function oldSystemNode(): string | null {
  if (!existsSync(SYSTEM_NODE)) return null;
  const r = spawnSync(SYSTEM_NODE, ['-p', 'Boolean(process.features.typescript)'], { encoding: 'utf8' });
  return r.stdout.trim() === 'false' ? SYSTEM_NODE : null;
}
const node = oldSystemNode() ?? process.execPath;

let app: string;
let env: NodeJS.ProcessEnv;

function kigen(args: string[]) {
  return spawnSync(node, [path.join(app, 'bin', 'kigen.js'), ...args], {
    cwd: app,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

beforeAll(() => {
  app = mkdtempSync(path.join(tmpdir(), 'kigen-prod-'));
  for (const entry of ['package.json', 'package-lock.json', 'bin', 'src', 'stubs']) {
    cpSync(path.join(REPO, entry), path.join(app, entry), { recursive: true });
  }
  // Only the system's directories on PATH: neither the project's Node 24 nor its tools.
  env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent' };
  const install = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (install.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${install.stderr}`);
}, 660_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe(`a production install started with ${node}`, () => {
  it('has no development tools', () => {
    expect(existsSync(path.join(app, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'node', 'bin', 'node'))).toBe(true);
  });

  it('prints its help', () => {
    const r = kigen(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kigen/);
  });

  it('runs a command on the embedded database', () => {
    const dataDir = path.join(app, 'data');
    // alerts is read-only: it never creates a database, so migrate first.
    const m = kigen(['migrate', '--data-dir', dataDir]);
    expect(m.status, m.stderr).toBe(0);
    const r = kigen(['alerts', '--date', '2026-12-01', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(true);
  }, 300_000);

  it.runIf(node === SYSTEM_NODE)('says in one line which Node it needs when Node 24 is missing', () => {
    const pinned = path.join(app, 'node_modules', 'node');
    renameSync(pinned, `${pinned}.away`);
    try {
      const r = kigen(['--help']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^kigen: needs Node\.js 24 \(or 22\.18 and later\); this is Node\.js v\d+[^\n]*\n$/,
      );
    } finally {
      renameSync(`${pinned}.away`, pinned);
    }
  });
});
