// kigen demo, kigen schedule, kigen keys vapid, kigen preview: running and operating kigen.
import path from 'node:path';
import { type Command, Option } from 'commander';
import { previewEmail } from '../../channels/email/email-channel.ts';
import { formatVapidEnv, generateVapidKeys } from '../../channels/push/vapid.ts';
import { ConfigError } from '../../config/errors.ts';
import { pruneData } from '../../db/retention.ts';
import { createPlanReader, createRunStore } from '../../db/run-store.ts';
import { DEFAULT_SEED_OPTIONS } from '../../db/seed/generate.ts';
import { seedDatabase } from '../../db/seed/load-seed.ts';
import { liveOfficeIdsOfStaff, staffByIdOrEmail } from '../../db/staff-queries.ts';
import { createStaffStore } from '../../db/staff-store.ts';
import { calendarDateIn } from '../../domain/calendar-date.ts';
import { formatInstantIn } from '../../domain/zoned-time.ts';
import { createLogger } from '../../logger.ts';
import { checkCron, dateToCatchUp, startSchedule } from '../../run/scheduler.ts';
import { previewStaffEmails } from '../../run/staff-preview.ts';
import { addGlobalFlags, configFrom, runDateFrom, withApp } from '../context.ts';
import { positiveInt, staffArg } from '../parse.ts';
import { executeRun, printSummary, shutdownSignal } from './run-command.ts';
import { startScheduleMetrics } from './schedule-metrics.ts';
import { serveHint } from './serve-command.ts';

import { scheduleOnQueue } from './worker-commands.ts';

const PREVIEW_FORMATS = ['text', 'html', 'eml-headers'] as const;

/** The demo's fixed business day (a Tuesday); its data set is generated around it. */
export const DEMO_DATE = '2026-12-01';

export function registerOpsCommands(program: Command): void {
  addGlobalFlags(
    program
      .command('demo')
      .description(
        `seed demo data if the database is empty, run ${DEMO_DATE}, and show where the emails went`,
      )
      .option('--offices <n>', 'offices in the demo data set', positiveInt, 50)
      .option('--reset', 'replace all data with a fresh demo data set first', false),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const shutdown = shutdownSignal(() => process.stderr.write('\nstopping after the messages in flight…\n'));
    let signInAs: string | null = null;
    try {
      const summary = await withApp(config, async (app) => {
        const offices = await app.db.k
          .selectFrom('offices')
          .select(app.db.k.fn.countAll<string>().as('n'))
          .executeTakeFirst();
        if (opts.reset || Number(offices?.n ?? 0) === 0) {
          process.stderr.write(`generating a demo data set of ${opts.offices} offices…\n`);
          await seedDatabase(app.db, {
            ...DEFAULT_SEED_OPTIONS,
            offices: opts.offices,
            baseDate: DEMO_DATE,
            reset: Boolean(opts.reset),
          });
        }
        const result = await executeRun(app, DEMO_DATE, {}, shutdown.signal);
        signInAs = await createStaffStore(app.db).someEmailWithRole('owner');
        return result;
      });
      printSummary(summary, false);
      const t = config.mail.transport;
      process.stdout.write(
        t.kind === 'outbox'
          ? `\nemails are in ${path.relative(process.cwd(), t.dir) || t.dir}/ (open any .eml file in a mail client)\n` +
              `run it again: nothing is sent twice. Start afresh with: npm run demo -- --reset\n`
          : `\nemails went to ${t.url.replace(/\/\/[^@]*@/, '//')}\n`,
      );
      process.stdout.write(serveHint(config.mail.dashboardUrl, signInAs));
    } finally {
      shutdown.dispose();
    }
  });

  addGlobalFlags(
    program
      .command('schedule')
      .description('stay running and start the run every business day (KIGEN_SCHEDULE_CRON, default 09:00)'),
  ).action(async (opts) => {
    const config = configFrom(opts);
    if (config.database.kind === 'postgres') return scheduleOnQueue(config);
    const cronProblem = checkCron(config.scheduleCron, config.timeZone);
    if (cronProblem) throw new ConfigError([cronProblem]);
    // stderr carries JSON log lines only: a log collector parses every line.
    const log = createLogger(config.logLevel).child({ component: 'schedule' });
    const metrics = await startScheduleMetrics(config, log);
    if (metrics) log.info({ url: metrics.url }, `metrics at ${metrics.url}`);
    const shutdown = shutdownSignal((name) =>
      log.info({ signal: name }, 'draining the current run, then exiting'),
    );
    let running: Promise<void> = Promise.resolve();
    const runDate = (runDate: string) => {
      // One run at a time: a tick (or the catch-up) waits for the one before it.
      running = running.then(() =>
        withApp(config, async (app) => {
          metrics?.useDatabase(app.db);
          const summary = await executeRun(
            app,
            runDate,
            { json: true },
            shutdown.signal,
            metrics?.run,
          ).finally(() => metrics?.releaseDatabase());
          app.logger.info(
            { summary: { ...summary, notices: undefined } },
            `run for ${runDate}: ${summary.status}`,
          );
          // Retention after the day's run (kigen prune): a run still running is never touched.
          const pruned = await pruneData(app.db, config.retention);
          app.logger.info({ pruned }, 'retention applied');
        }).catch((error) => {
          log.error({ runDate, err: { message: (error as Error).message } }, `run for ${runDate} failed`);
        }),
      );
      return running;
    };
    const schedule = startSchedule(config.scheduleCron, config.timeZone, () =>
      runDate(calendarDateIn(new Date(), config.timeZone)),
    );
    const next = schedule.nextRun();
    log.info(
      {
        cron: config.scheduleCron,
        timeZone: config.timeZone,
        nextRun: next ? formatInstantIn(next, config.timeZone) : null,
      },
      `next run ${next ? formatInstantIn(next, config.timeZone) : 'never'}`,
    );
    // Started after today's time (a restart, a deploy, a late boot): today runs now, once. A date with a
    // run row (done, running elsewhere, or recorded as skipped) is not started again.
    const late = dateToCatchUp(schedule, config.timeZone, new Date());
    if (late) {
      const recorded = await withApp(config, (app) => createRunStore(app.db).findRun(late, config.dataScope));
      if (recorded)
        log.info(
          { runDate: late, status: recorded.status },
          `run for ${late} already recorded; waiting for the next run`,
        );
      else {
        log.info({ runDate: late }, `started after today's run time: running ${late} now`);
        void runDate(late);
      }
    }
    await new Promise<void>((resolve) =>
      shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    schedule.stop();
    await running;
    await metrics?.close();
    shutdown.dispose();
  });

  const keys = program.command('keys').description('generate keys');
  keys
    .command('vapid')
    .description('print a new VAPID key pair for Web Push as environment lines')
    .action(() => {
      process.stdout.write(
        `${formatVapidEnv(generateVapidKeys()).trimEnd()}\nVAPID_SUBJECT=mailto:you@example.jp\n`,
      );
    });

  addGlobalFlags(
    program
      .command('preview')
      .description(
        'render the email a staff member would get for a date (reads only their offices; writes nothing)',
      )
      .requiredOption('--staff <email-or-id>', 'the staff member: email (any case) or staff id', staffArg)
      .option('--date <YYYY-MM-DD>', 'run date (default: today)')
      .addOption(new Option('--format <format>', 'what to print').choices(PREVIEW_FORMATS).default('text')),
  ).action(async (opts) => {
    const config = configFrom(opts);
    const runDate = runDateFrom(opts.date, config);
    await withApp(
      config,
      async (app) => {
        const who = String(opts.staff);
        const { emails } = await previewStaffEmails(
          {
            reader: createPlanReader(app.db, config.dataScope),
            findStaff: (w) => staffByIdOrEmail(app.db, w),
            officesOf: (id) => liveOfficeIdsOfStaff(app.db, id, config.dataScope),
          },
          { who, runDate, grouping: config.emailGrouping, chunkSize: config.chunkSize },
        );
        if (emails.length === 0) {
          process.stdout.write(
            `${who} gets no email on ${runDate} (no alerts within their email threshold, or email is off)\n`,
          );
          return;
        }
        emails.forEach((email, i) => {
          const preview = previewEmail(
            { deliveryKey: email.deliveryKey, runDate, notice: email.notice },
            {
              from: config.mail.from,
              appName: config.mail.appName,
              dashboardUrl: config.mail.dashboardUrl,
            },
          );
          // Per-office grouping: one email per office, each shown in turn.
          if (i > 0) process.stdout.write(opts.format === 'html' ? '\n' : '\n\n');
          if (opts.format === 'html') process.stdout.write(preview.html);
          else {
            process.stdout.write(
              `From: ${preview.from}\nTo: ${preview.to.name} <${preview.to.address}>\nSubject: ${preview.subject}\nMessage-ID: ${preview.messageId}\n\n`,
            );
            if (opts.format === 'text') process.stdout.write(preview.text);
          }
        });
      },
      { readOnly: true },
    );
  });
}
