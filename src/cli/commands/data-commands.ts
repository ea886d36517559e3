// kigen import, kigen export, kigen prune: an office's own lists in and out, and retention.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { pruneData } from '../../db/retention.ts';
import { exportData, writeTemplates } from '../../io/export-data.ts';
import { type ImportProblem, ImportRejectedError, importData } from '../../io/import-data.ts';
import { addGlobalFlags, configFrom, EXIT, printJson, withApp } from '../context.ts';

function formatProblem(p: ImportProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  const cell = p.column ? ` ${p.column}${p.value !== undefined ? ` "${p.value}"` : ''}:` : '';
  return `${where}:${cell} ${p.message}`;
}

/** A byte-based progress bar on a terminal; nothing when stderr is not one. */
function progressBar(): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: 'importing [{bar}] {percentage}% {value}/{total} MB', stream: process.stderr, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mb = (n: number) => Math.round(n / 1024 / 102.4) / 10;
  return {
    update(done, total) {
      if (!started) bar.start(mb(total), 0);
      started = true;
      bar.update(mb(done));
    },
    stop: () => started && bar.stop(),
  };
}

export function registerDataCommands(program: Command): void {
  addGlobalFlags(
    program
      .command('import')
      .description(
        'import offices, staff, recipients, cycles and deliverables from CSV files (all or nothing)',
      )
      .argument(
        '<dir-or-file>',
        'a folder with offices.csv, staff.csv, recipients.csv, cycles.csv, deliverables.csv, or one of them',
      )
      .option('--template', 'write empty CSV files with the headers into <dir-or-file> instead', false)
      .option('--japanese', 'with --template: Japanese headers', false)
      .option('--dry-run', 'check everything, write nothing', false)
      .option('--max-file-mb <n>', 'refuse larger files (KIGEN_IMPORT_MAX_FILE_MB, default 512)')
      .option('--json', 'machine-readable report', false),
  ).action(async (target: string, opts) => {
    if (opts.template) {
      const files = await writeTemplates(target, Boolean(opts.japanese));
      process.stdout.write(`wrote ${files.length} templates:\n${files.map((f) => `  ${f}\n`).join('')}`);
      return;
    }
    const config = configFrom(opts, { maxFileMb: 'KIGEN_IMPORT_MAX_FILE_MB' });
    const bar = progressBar();
    try {
      const started = performance.now();
      const report = await withApp(config, (app) =>
        importData(app.db, target, {
          maxFileBytes: config.importMaxFileBytes,
          dryRun: Boolean(opts.dryRun),
          onProgress: (done, total) => bar.update(done, total),
        }),
      );
      bar.stop();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (opts.json) return printJson({ ok: true, seconds: Number(seconds), ...report });
      for (const f of report.files)
        process.stdout.write(`${f.file}: ${f.rows} rows (${f.encoding || 'empty'})\n`);
      if (!report.result) {
        process.stdout.write(`dry run: no problems found; nothing was written (${seconds} s)\n`);
        return;
      }
      for (const [entity, c] of Object.entries(report.result)) {
        process.stdout.write(`${entity}: ${c.added} added, ${c.changed} changed\n`);
      }
      const p = report.phases;
      const s = (ms: number) => (ms / 1000).toFixed(1);
      process.stdout.write(
        `imported in ${seconds} s (read and staged ${s(p.stageMs)} s, checked ${s(p.checkMs)} s, written ${s(p.writeMs)} s, statistics ${s(p.analyzeMs)} s)\n`,
      );
    } catch (error) {
      bar.stop();
      if (!(error instanceof ImportRejectedError)) throw error;
      if (opts.json) printJson({ ok: false, total: error.total, problems: error.problems });
      else {
        for (const p of error.problems) process.stderr.write(`${formatProblem(p)}\n`);
        if (error.total > error.problems.length) {
          process.stderr.write(`… and ${error.total - error.problems.length} more\n`);
        }
        process.stderr.write(`kigen: ${error.message}\n`);
      }
      process.exitCode = EXIT.failed;
    }
  });

  addGlobalFlags(
    program
      .command('export')
      .description('write the data as the CSV files kigen import reads (UTF-8 with BOM, for Excel)')
      .argument('<dir>', 'folder to write into (files of the same names are replaced)'),
  ).action(async (dir: string, opts) => {
    const config = configFrom(opts);
    const files = await withApp(config, (app) => exportData(app.db, dir));
    for (const f of files) process.stdout.write(`${f.file}: ${f.rows} rows\n`);
  });

  addGlobalFlags(
    program
      .command('prune')
      .description('apply retention: scrub names from final deliveries, delete old deliveries and audit rows')
      .option('--dry-run', 'count what would go, change nothing', false)
      .option('--json', 'machine-readable output', false),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const counts = await withApp(config, (app) =>
      pruneData(app.db, config.retention, { dryRun: Boolean(opts.dryRun) }),
    );
    if (opts.json) return printJson({ dryRun: Boolean(opts.dryRun), retention: config.retention, ...counts });
    const verb = opts.dryRun ? 'would' : '';
    process.stdout.write(
      `${opts.dryRun ? 'dry run: ' : ''}${counts.scrubbedPayloads} final deliveries ${verb || 'had'} ${verb ? 'have ' : ''}recipient names removed\n` +
        `${counts.deletedDeliveries} deliveries older than ${config.retention.deliveryDays} days ${verb || 'were'} ${verb ? 'be ' : ''}deleted\n` +
        `${counts.deletedAuditRows} audit rows older than ${config.retention.auditDays} days ${verb || 'were'} ${verb ? 'be ' : ''}deleted\n`,
    );
  });
}
