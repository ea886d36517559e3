// What every kigen command shares on the command line: --version, the global flags accepted before
// the subcommand as well as after it, examples in each command's help, and a quiet end when the
// reader of stdout goes away (`kigen preview | head`).
import fs from 'node:fs';
import type { Command } from 'commander';
import { addGlobalFlags } from './context.ts';

/** The version of the installed package (package.json), read when asked, not at import. */
export function kigenVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** Examples shown under each command's --help, by the command's path ('snapshot save'). */
export const COMMAND_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  run: [
    'kigen run',
    'kigen run --date 2026-12-01 --dry-run --json > plan.json',
    'kigen --database-url postgres://kigen@db.example.jp/kigen run --date 2026-12-28 --force',
  ],
  schedule: ['KIGEN_SCHEDULE_CRON="0 9 * * *" kigen schedule'],
  demo: ['kigen demo', 'kigen demo --offices 200 --reset'],
  alerts: [
    'kigen alerts --date 2026-12-01',
    'kigen alerts --office 0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10 --json',
  ],
  preview: [
    'kigen preview --staff taro.yamada@example.jp',
    'kigen preview --staff 0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10 --date 2026-12-01 --format html > mail.html',
  ],
  seed: ['kigen seed --offices 500', 'kigen seed --offices 5000 --seed 7 --base-date 2026-12-01 --reset'],
  migrate: ['kigen migrate', 'kigen --database-url postgres://kigen@db.example.jp/kigen migrate'],
  'keys vapid': ['kigen keys vapid >> .env'],
  'snapshot save': ['kigen snapshot save offices-5k', 'kigen snapshot save offices-5k --force'],
  'snapshot restore': ['kigen snapshot restore offices-5k --replace'],
  'snapshot list': ['kigen snapshot list', 'kigen snapshot list --json'],
  'snapshot delete': ['kigen snapshot delete offices-5k'],
  'staff role': [
    'kigen staff role hanako.sato@example.jp app_admin',
    'kigen staff role 0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10 manager',
  ],
};

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function* allCommands(cmd: Command): Generator<Command> {
  for (const sub of cmd.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}

/**
 * Finishes the program once every command is registered: --version, global flags before the
 * subcommand (`kigen --data-dir x alerts`; a flag after the subcommand wins), and examples.
 */
export function setUpProgram(program: Command): Command {
  program.version(kigenVersion(), '-V, --version', 'print the version of kigen');
  addGlobalFlags(program);
  program.hook('preAction', (root, action) => {
    if (action === root) return;
    const declared = new Set(action.options.map((o) => o.attributeName()));
    for (const [key, value] of Object.entries(root.opts())) {
      if (declared.has(key) && action.getOptionValue(key) === undefined) {
        action.setOptionValueWithSource(key, value, 'cli');
      }
    }
  });
  for (const cmd of allCommands(program)) {
    const lines = COMMAND_EXAMPLES[commandPath(cmd)];
    if (lines) cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
  }
  return program;
}

/**
 * `kigen preview | head`: once the reader has gone, further output is dropped (no EPIPE stack) and
 * the command ends normally, closing the database.
 */
export function dropOutputWhenReaderGoes(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = (() => true) as typeof stream.write;
    process.exitCode ??= 0;
  });
}
