// kigen snapshot save|list|restore|delete through commander, on the engine a user would get.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDbCommands } from '../../src/cli/commands/db-commands.ts';
import { registerSnapshotCommand } from '../../src/cli/commands/snapshot-command.ts';
import { EXIT, exitCodeFor } from '../../src/cli/context.ts';
import { SnapshotError } from '../../src/db/snapshot.ts';
import { createPostgresDatabase, testEngines } from '../helpers/databases.ts';

/** Runs one kigen command in-process; returns what it printed, or the exit code main.ts would give. */
async function kigen(args: string[]): Promise<{ stdout: string; stderr: string; exit: number }> {
  const program = new Command('kigen').exitOverride();
  let stdout = '';
  let stderr = '';
  program.configureOutput({
    writeOut: (s) => {
      stdout += s;
    },
    writeErr: (s) => {
      stderr += s;
    },
  });
  registerDbCommands(program);
  registerSnapshotCommand(program);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'kigen', ...args]);
    return { stdout, stderr, exit: EXIT.ok };
  } catch (error) {
    // As in main.ts: commander's own errors are usage errors; the rest go through exitCodeFor.
    if (error instanceof CommanderError) return { stdout, stderr, exit: error.exitCode === 0 ? 0 : 2 };
    const { code, message } = exitCodeFor(error);
    return { stdout, stderr: stderr + message, exit: code };
  } finally {
    spy.mockRestore();
  }
}

it('maps snapshot errors about the input (missing, corrupt, already there) to exit code 2 with their message', () => {
  for (const code of [
    'SNAPSHOT_NOT_FOUND',
    'SNAPSHOT_EXISTS',
    'SNAPSHOT_CORRUPT',
    'SNAPSHOT_TARGET_NOT_EMPTY',
  ] as const) {
    const error = new SnapshotError(code, 'x', 'no snapshot named "x"');
    expect(exitCodeFor(error)).toEqual({ code: EXIT.usage, message: 'no snapshot named "x"' });
  }
  const bug = new SnapshotError('SNAPSHOT_TABLES_OUTDATED', 'x', 'tables t are not covered');
  expect(exitCodeFor(bug).code).toBe(EXIT.failed);
});

describe.each(testEngines())('kigen snapshot on %s', (engine) => {
  let dataDir: string;
  let flags: string[];
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kigen-cli-snapshot-'));
    vi.stubEnv('DATABASE_URL', ''); // empty counts as unset: PGlite unless --database-url says otherwise
    flags = ['--data-dir', dataDir, '--log-level', 'silent'];
    if (engine === 'postgres') {
      const created = await createPostgresDatabase();
      drop = created.drop;
      flags.push('--database-url', created.url);
    }
    const seeded = await kigen(['seed', '--offices', '5', '--base-date', '2026-12-01', ...flags]);
    expect(seeded.exit, seeded.stderr).toBe(0);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await drop?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('saves, lists, restores and deletes', async () => {
    const saved = await kigen(['snapshot', 'save', 'five', ...flags]);
    expect(saved.exit, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(
      new RegExp(`^saved snapshot five \\(${engine}, schema \\d{4}-[a-z-]+\\): [\\d,]+ rows`),
    );
    expect(await readdir(join(dataDir, 'snapshots'))).toEqual(['five.kigen-snapshot']);

    const listed = await kigen(['snapshot', 'list', ...flags]);
    expect(listed.exit).toBe(0);
    expect(listed.stdout).toMatch(
      /^NAME +SIZE +CREATED \(UTC\) +SCHEMA +ENGINE +OFFICES +ROWS\nfive +[\d.]+ kB +\d{4}-/,
    );
    const json = JSON.parse((await kigen(['snapshot', 'list', '--json', ...flags])).stdout);
    expect(json[0].name).toBe('five');
    expect(json[0].header.tables[0]).toMatchObject({ name: 'offices', rows: 5 });

    const refused = await kigen(['snapshot', 'restore', 'five', ...flags]);
    expect(refused.exit).toBe(EXIT.usage);
    expect(refused.stderr).toMatch(/already has data; restore with --replace/);

    const restored = await kigen(['snapshot', 'restore', 'five', '--replace', ...flags]);
    expect(restored.exit, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(
      new RegExp(`^restored snapshot five into ${engine}: [\\d,]+ rows \\(5 offices\\)`),
    );

    expect((await kigen(['snapshot', 'delete', 'five', ...flags])).stdout).toBe('deleted snapshot five\n');
    expect((await kigen(['snapshot', 'list', ...flags])).stdout).toMatch(/^no snapshots in /);
    const missing = await kigen(['snapshot', 'delete', 'five', ...flags]);
    expect(missing.exit).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/no snapshot named "five"/);
  });

  it.each([
    ['save', '../x'],
    ['restore', 'a/b'],
    ['delete', ''],
    ['delete', '..'],
  ])('rejects "snapshot %s %s" as a usage error (exit 2)', async (command, name) => {
    const result = await kigen(['snapshot', command, name, ...flags]);
    expect(result.exit).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/invalid for argument 'name'.*letters, digits/s);
  });
});
