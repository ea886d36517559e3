// Shared CLI plumbing: global flags → config, opening the app, printing, exit codes.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type App, openApp } from '../app.ts';
import { type Config, type EnvInput, loadConfig } from '../config/config.ts';
import { ConfigError, DatabaseUnavailableError, KigenError } from '../config/errors.ts';
import { DatabaseBusyError } from '../db/database.ts';
import { SNAPSHOT_ERROR_CODES } from '../db/snapshot/snapshot-errors.ts';
import { calendarDateIn, parseCalendarDate } from '../domain/calendar-date.ts';
import { DomainError } from '../domain/domain-error.ts';
import { maskPersonalData, maskSecretsIn } from '../domain/mask.ts';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3 } as const;

/** Global flags and the environment variable each one overrides. */
export const GLOBAL_FLAGS = [
  ['--database-url <url>', 'DATABASE_URL', 'PostgreSQL URL (default: embedded PGlite in the data dir)'],
  [
    '--data-dir <dir>',
    'KIGEN_DATA_DIR',
    'folder for the embedded database and the outbox (default ./.kigen)',
  ],
  ['--time-zone <tz>', 'KIGEN_TIME_ZONE', 'time zone of the offices (default Asia/Tokyo)'],
  ['--scope <scope>', 'KIGEN_DATA_SCOPE', 'production (default) or test: which is_test_data rows to use'],
  ['--log-level <level>', 'LOG_LEVEL', 'fatal|error|warn|info|debug|trace|silent (default info)'],
] as const;

export function addGlobalFlags(cmd: Command): Command {
  for (const [flag, , help] of GLOBAL_FLAGS) cmd.option(flag, help);
  return cmd;
}

/** Turns commander's camelCase option values into the env names the config schema reads. */
export function flagsToEnv(opts: Record<string, unknown>, extra: Record<string, string> = {}): EnvInput {
  const out: EnvInput = {};
  for (const [flag, envName] of GLOBAL_FLAGS) {
    const key = flag
      .replace(/^--/, '')
      .replace(/ .*$/, '')
      .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = opts[key];
    if (typeof value === 'string') out[envName] = value;
  }
  for (const [optKey, envName] of Object.entries(extra)) {
    const value = opts[optKey];
    if (value !== undefined) out[envName] = String(value);
  }
  return out;
}

export function configFrom(
  opts: Record<string, unknown>,
  extra: Record<string, string> = {},
): Readonly<Config> {
  const config = loadConfig(process.env, flagsToEnv(opts, extra));
  checkDataDir(config.dataDir);
  return config;
}

/**
 * The data dir (embedded database, outbox, snapshots) must be a folder or creatable as one: a file
 * in its place is one clear line and exit 2, not an ENOTDIR stack from deep inside a command.
 */
export function checkDataDir(dataDir: string): void {
  const problem = (why: string) =>
    new ConfigError([`KIGEN_DATA_DIR / --data-dir: ${dataDir} ${why}; choose a folder`]);
  let existing = dataDir;
  for (;;) {
    try {
      if (fs.statSync(existing).isDirectory()) return;
      throw problem(
        existing === dataDir ? 'is a file, not a folder' : `cannot be created: ${existing} is a file`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof ConfigError) throw error;
      if (code === 'ENOTDIR') throw problem('cannot be created: part of its path is a file');
      if (code !== 'ENOENT') throw problem(`cannot be used (${code ?? (error as Error).message})`);
      const parent = path.dirname(existing);
      if (parent === existing) return;
      existing = parent;
    }
  }
}

/** Opens the app, runs `fn`, and always closes what was opened. `readOnly`: see openApp. */
export async function withApp<T>(
  config: Readonly<Config>,
  fn: (app: App) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const app = await openApp(config, options);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** The run date: --date if given (validated), else today in the offices' time zone. */
export function runDateFrom(date: unknown, config: Readonly<Config>, now = new Date()): string {
  if (typeof date === 'string') return parseCalendarDate(date);
  return calendarDateIn(now, config.timeZone);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The single place that turns an error into a message and an exit code. No secret is shown (a
 * DATABASE_URL's password), and an unexpected error's text, which may quote stored rows, shows no
 * whole address either; kigen's own messages keep what the user typed (`--staff Taro@…`).
 */
export function exitCodeFor(error: unknown): { code: number; message: string } {
  const { code, message } = classifyError(error);
  return {
    code,
    message: error instanceof KigenError ? maskSecretsIn(message) : maskPersonalData(message),
  };
}

/**
 * Inputs that name something absent or already there (a staff member, a snapshot, a non-empty
 * database): the command line was wrong, not kigen: exit 2 like any other usage error.
 */
const USAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  'STAFF_NOT_FOUND',
  'STAFF_AMBIGUOUS',
  'ROLE_CHANGED_MEANWHILE',
  'OFFICE_NOT_FOUND',
  'SEED_NOT_EMPTY',
  'SCHEMA_NOT_READY',
  // Every snapshot problem but a build that forgot a table (a bug, exit 1).
  ...SNAPSHOT_ERROR_CODES.filter((code) => code !== 'SNAPSHOT_TABLES_OUTDATED'),
]);

function classifyError(error: unknown): { code: number; message: string } {
  if (error instanceof ConfigError) return { code: EXIT.usage, message: error.message };
  if (error instanceof DatabaseBusyError) return { code: EXIT.busy, message: error.message };
  if (error instanceof DatabaseUnavailableError) return { code: EXIT.usage, message: error.message };
  if (error instanceof DomainError) return { code: EXIT.usage, message: error.message };
  if (error instanceof KigenError && USAGE_ERROR_CODES.has(error.code))
    return { code: EXIT.usage, message: error.message };
  if (error instanceof KigenError) return { code: EXIT.failed, message: error.message };
  const e = error as { code?: string; message?: string };
  if (e?.code === 'commander.invalidArgument' || e?.code === 'commander.error') {
    return { code: EXIT.usage, message: e.message ?? String(error) };
  }
  return { code: EXIT.failed, message: (error as Error)?.stack ?? String(error) };
}
