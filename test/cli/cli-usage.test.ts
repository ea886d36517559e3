// The command line as a new user meets it (issue 11, item 12), through real child processes:
// --version, global flags before the subcommand, examples in help, usage errors with exit 2 and
// one clear line (bad ids, formats, numbers, data dirs, inputs not found), preview of every office
// by a case-insensitive email, `preview | head` without an EPIPE stack, and seed bounds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';
import { REPO, startNode } from '../run/cli-process.ts';

const kigen = (args: string[], env: Record<string, string> = {}) =>
  startNode('src/cli/main.ts', args, env).result;

/** No stack trace, one line (plus commander's help hint for argument errors). */
function expectCleanUsageError(result: { code: number | null; stderr: string }, text: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(text);
  expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
}

let root: string;
let fileNotDir: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-cli-usage-'));
  fileNotDir = path.join(root, 'a-file');
  fs.writeFileSync(fileNotDir, 'not a folder');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('without a database', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const result = await kigen(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([
    'run',
    'alerts',
    'preview',
    'seed',
    'demo',
    'migrate',
    'snapshot save',
    'keys vapid',
    'staff role',
  ])('%s --help shows examples', async (command) => {
    const result = await kigen([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nExamples:\n {2}\$ kigen /);
  });

  it('accepts global flags before the subcommand as well as after it', { timeout: 120_000 }, async () => {
    for (const args of [
      ['--data-dir', fileNotDir, 'alerts'],
      ['alerts', '--data-dir', fileNotDir],
      ['--time-zone', 'Asia/Tokyo', '--data-dir', fileNotDir, 'snapshot', 'list'],
    ]) {
      expectCleanUsageError(await kigen(args), new RegExp(`${fileNotDir} is a file, not a folder`));
    }
    // Both given: the one after the subcommand wins.
    const result = await kigen(['--data-dir', root, 'alerts', '--data-dir', fileNotDir]);
    expectCleanUsageError(result, /is a file, not a folder/);
  });

  it('an unusable data dir is one line, not an ENOTDIR stack', async () => {
    const result = await kigen(['alerts'], { KIGEN_DATA_DIR: path.join(fileNotDir, 'below') });
    expectCleanUsageError(result, /part of its path is a file/);
    expect(result.stderr).not.toMatch(/ENOTDIR/);
  });

  it.each([
    [['alerts', '--office', 'not-a-uuid'], /--office.*expected an id \(uuid/],
    [['alerts', '--office', "1' OR '1'='1"], /expected an id/],
    [['preview', '--staff', 'not an address'], /expected an e-mail address or a staff id/],
    [['preview', '--staff', 'a@b.jp', '--format', 'pdf'], /Allowed choices are text, html, eml-headers/],
    [['seed', '--offices', '99999999999'], /expected at most 100,000/],
    [['seed', '--offices', '0x10'], /expected a whole number/],
    [['run', '--concurrency', '1e3'], /expected a whole number/],
  ])('%j is a usage error', async (args, text) => {
    expectCleanUsageError(await kigen(args, { KIGEN_DATA_DIR: root }), text);
  });

  it.each([
    'postgres://kigen:hunter2@127.0.0.1:1/kigen?password=pw2&sslpassword=pw3',
    'postgresx://db.example.jp/kigen?password=pw2',
  ])('DATABASE_URL %s: the error never shows a password', async (url) => {
    const result = await kigen(['alerts'], { KIGEN_DATA_DIR: root, DATABASE_URL: url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL/);
    expect(result.stderr).not.toMatch(/hunter2|pw2|pw3/);
  });

  it('a snapshot that does not exist is exit 2, found before any database is opened', async () => {
    const dataDir = fs.mkdtempSync(path.join(root, 'no-snapshot-'));
    const result = await kigen(['snapshot', 'restore', 'nothing-here'], { KIGEN_DATA_DIR: dataDir });
    expectCleanUsageError(result, /no snapshot named "nothing-here"/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('KIGEN_SEND_CONCURRENCY=0x10 is refused', async () => {
    const result = await kigen(['alerts'], { KIGEN_DATA_DIR: root, KIGEN_SEND_CONCURRENCY: '0x10' });
    expectCleanUsageError(result, /KIGEN_SEND_CONCURRENCY: expected a whole number in decimal digits/);
  });
});

describe('on an embedded database', () => {
  const DATE = '2026-12-01';
  let dataDir: string;
  let bigOffice: StaffFixture;
  let officeIds: string[];
  beforeAll(async () => {
    dataDir = path.join(root, 'db');
    const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    try {
      await migrateToLatest(db.k);
      const fx = createFixtures(db);
      officeIds = [await fx.office({ name: 'ひまわり' }), await fx.office({ name: 'さくら' })];
      for (const office of officeIds) await fx.recipient({ office, deadline: '2026-11-28' });
      await fx.staff({ offices: officeIds, email: 'Taro.Yamada@Example.jp' });
      // An office with enough alerts that an HTML preview is larger than a pipe's buffer (64 KB).
      const big = await fx.office({ name: 'おおきな事業所' });
      for (let i = 0; i < 400; i++) await fx.recipient({ office: big, deadline: '2026-12-10' });
      bigOffice = await fx.staff({ offices: [big] });
    } finally {
      await db.close();
    }
  }, 120_000);

  const env = () => ({ KIGEN_DATA_DIR: dataDir });

  it('preview finds a staff member by email in any case, and shows every office with per-office grouping', async () => {
    const result = await kigen(['preview', '--staff', 'taro.yamada@example.jp', '--date', DATE], {
      ...env(),
      KIGEN_EMAIL_GROUPING: 'per-office',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^To: .*<Taro\.Yamada@Example\.jp>$/gm)).toHaveLength(2);
    expect(result.stdout).toContain('■ ひまわり');
    expect(result.stdout).toContain('■ さくら');
  }, 120_000);

  it.each([
    [['preview', '--staff', 'nobody@example.jp', '--date', DATE], /no staff member with id or email/],
    [
      ['alerts', '--office', '00000000-0000-4000-8000-000000000000', '--date', DATE],
      /no live office 00000000-0000-4000-8000-000000000000/,
    ],
    [['seed', '--offices', '1'], /already has 3 offices/],
  ])('not found or already there: %j is exit 2', { timeout: 180_000 }, async (args, text) => {
    expectCleanUsageError(await kigen(args, env()), text);
  });

  it('`preview | head` ends quietly, without an EPIPE stack', async () => {
    const script = `"${process.execPath}" src/cli/main.ts preview --staff ${bigOffice.id} --date ${DATE} --format html | head -c 100 > /dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const child = spawn('bash', ['-c', script], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KIGEN_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(stderr.trim()).toBe('exit=0');
  }, 120_000);
});
