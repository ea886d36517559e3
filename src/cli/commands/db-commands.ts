// kigen migrate, kigen seed, kigen alerts: the database and the read path.
import type { Command } from 'commander';
import { KigenError } from '../../config/errors.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createPlanReader } from '../../db/run-store.ts';
import { DEFAULT_SEED_OPTIONS } from '../../db/seed/generate.ts';
import { seedDatabase } from '../../db/seed/load-seed.ts';
import { calendarDateIn } from '../../domain/calendar-date.ts';
import { planChunks } from '../../run/plan.ts';
import { addGlobalFlags, configFrom, printJson, runDateFrom, withApp } from '../context.ts';
import { formatAlerts } from '../format.ts';
import { boundedInt, positiveInt, uuidArg } from '../parse.ts';

/** seed --offices: a larger data set is a benchmark's job, and a typo such as 99999999999 must not start one. */
export const MAX_SEED_OFFICES = 100_000;

const n = (v: number) => v.toLocaleString('en-US');

export function registerDbCommands(program: Command): void {
  addGlobalFlags(program.command('migrate').description('apply pending database migrations')).action(
    async (opts) => {
      const config = configFrom(opts);
      await withApp(config, async (app) => {
        // openApp already migrated; report the schema version.
        const { version } = await migrateToLatest(app.db.k);
        process.stdout.write(`database is at schema ${version}\n`);
      });
    },
  );

  addGlobalFlags(
    program
      .command('seed')
      .description('generate realistic demo data (deterministic for a seed)')
      .requiredOption(
        '--offices <n>',
        `number of offices (at most ${n(MAX_SEED_OFFICES)})`,
        boundedInt(MAX_SEED_OFFICES),
      )
      .option(
        '--staff-per-office <n>',
        'staff per office (at most 1,000)',
        boundedInt(1000),
        DEFAULT_SEED_OPTIONS.staffPerOffice,
      )
      .option(
        '--recipients-per-office <n>',
        'recipients per office (at most 10,000)',
        boundedInt(10_000),
        DEFAULT_SEED_OPTIONS.recipientsPerOffice,
      )
      .option('--seed <n>', 'random seed', positiveInt, DEFAULT_SEED_OPTIONS.seed)
      .option(
        '--base-date <YYYY-MM-DD>',
        'deadlines are spread over this date −10…+120 days (default: today)',
      )
      .option(
        '--push-endpoint-base <url>',
        'push endpoints are this URL plus an id',
        DEFAULT_SEED_OPTIONS.pushEndpointBase,
      )
      .option('--reset', 'delete all existing data first', false),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const baseDate = opts.baseDate
      ? runDateFrom(opts.baseDate, config)
      : calendarDateIn(new Date(), config.timeZone);
    await withApp(config, async (app) => {
      const started = performance.now();
      const counts = await seedDatabase(
        app.db,
        {
          offices: opts.offices,
          staffPerOffice: opts.staffPerOffice,
          recipientsPerOffice: opts.recipientsPerOffice,
          seed: opts.seed,
          baseDate,
          pushEndpointBase: opts.pushEndpointBase,
          testDataShare: DEFAULT_SEED_OPTIONS.testDataShare,
          reset: opts.reset,
        },
        (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\rseeding: ${done}/${total} offices`);
        },
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `seeded in ${seconds} s (${app.db.kind}): ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}\n`,
      );
    });
  });

  addGlobalFlags(
    program
      .command('alerts')
      .description('print the alerts of every office for a date')
      .option('--date <YYYY-MM-DD>', 'run date (default: today in the offices’ time zone)')
      .option('--office <id>', 'only this office (its id)', uuidArg)
      .option('--chunk-size <n>', 'offices per read chunk', positiveInt)
      .option('--json', 'machine-readable output', false)
      .option('--stats', 'print statement counts on stderr', false),
  ).action(async (opts) => {
    const config = configFrom(opts, { chunkSize: 'KIGEN_CHUNK_SIZE' });
    const runDate = runDateFrom(opts.date, config);
    await withApp(
      config,
      async (app) => {
        const reader = createPlanReader(app.db, config.dataScope);
        const offices = [];
        for await (const chunk of planChunks(reader, {
          runDate,
          chunkSize: config.chunkSize,
          grouping: config.emailGrouping,
          push: false,
          ...(opts.office ? { officeIds: [opts.office] } : {}),
        })) {
          for (const office of chunk.offices) {
            offices.push({ office, alerts: chunk.alertsByOffice.get(office.id) ?? [] });
          }
        }
        if (opts.office && offices.length === 0) {
          throw new KigenError(
            'OFFICE_NOT_FOUND',
            `no live office ${opts.office} in the ${config.dataScope} data (deleted, or see --scope)`,
          );
        }
        if (opts.json) printJson({ runDate, timeZone: config.timeZone, offices });
        else process.stdout.write(formatAlerts(runDate, config.timeZone, offices));
        if (opts.stats) process.stderr.write(`statements: ${JSON.stringify(app.db.stats.snapshot())}\n`);
      },
      { readOnly: true },
    );
  });
}
