// kigen serve: the HTTP API (sign-in, preferences, push subscriptions, alerts, runs) and, unless
// turned off, the daily schedule in the same process: with the embedded database only one process
// may open the data folder, so the server is what runs the day's notifications then.
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import { calendarDateIn } from '../../domain/calendar-date.ts';
import { checkCron, startSchedule } from '../../run/scheduler.ts';
import { ServiceError } from '../../services/service-errors.ts';
import { addGlobalFlags, configFrom, withApp } from '../context.ts';
import { executeRun, shutdownSignal } from './run-command.ts';
import { startScheduleMetrics } from './schedule-metrics.ts';

export function registerServeCommand(program: Command): void {
  addGlobalFlags(
    program
      .command('serve')
      .description('run the HTTP API (and the daily schedule, unless --no-schedule)')
      .option('--host <address>', 'address to listen on (default 127.0.0.1)')
      .option('--port <n>', 'port to listen on (default 3000)')
      .option('--no-schedule', 'do not run the daily schedule in this process'),
  ).action(async (opts) => {
    const config = configFrom(
      { ...opts, schedule: opts.schedule === false ? 'false' : undefined },
      { host: 'KIGEN_HTTP_HOST', port: 'KIGEN_HTTP_PORT', schedule: 'KIGEN_SERVE_SCHEDULE' },
    );
    if (config.http.schedule) {
      const cronProblem = checkCron(config.scheduleCron, config.timeZone);
      if (cronProblem) throw new ConfigError([cronProblem]);
    }
    const shutdown = shutdownSignal((name) =>
      process.stderr.write(`${name}: finishing requests and any run in flight, then exiting\n`),
    );
    try {
      // Loaded here, not at import: every other command starts without Fastify and its plugins.
      const { buildServer } = await import('../../http/server.ts');
      const { createServeParts } = await import('../../serve-app.ts');
      const { publicOriginProblem } = await import('../../http/public-origin.ts');
      await withApp(config, async (app) => {
        // /metrics (KIGEN_METRICS_PORT): the in-process runs feed its run metrics; scrapes read the
        // gauges from the server's own database, open for the whole process.
        const metrics = await startScheduleMetrics(config, app.logger);
        metrics?.useDatabase(app.db);
        const parts = createServeParts(app, {
          runForDate: (runDate, { force }, signal) =>
            executeRun(app, runDate, { force, json: true }, signal, metrics?.run),
        });
        let schedule: ReturnType<typeof startSchedule> | null = null;
        let server: Awaited<ReturnType<typeof buildServer>> | null = null;
        try {
          server = await buildServer(parts.deps);
          const listening = await server.listen({ host: config.http.host, port: config.http.port });
          if (config.http.schedule) {
            schedule = startSchedule(config.scheduleCron, config.timeZone, async () => {
              const runDate = calendarDateIn(new Date(), config.timeZone);
              try {
                parts.deps.runner.start(runDate, { force: false }, 'schedule');
              } catch (error) {
                if (!(error instanceof ServiceError)) throw error;
                app.logger.warn({ runDate, code: error.code }, error.message);
              }
            });
          }
          const t = config.mail.transport;
          const originProblem = publicOriginProblem(config.mail.dashboardUrl, listening);
          if (originProblem) app.logger.warn({ code: 'DASHBOARD_URL_MISMATCH' }, originProblem);
          process.stderr.write(
            `kigen serve: listening on ${listening}\n` +
              `  sign in: ${new URL('sign-in', config.mail.dashboardUrl)} (DASHBOARD_URL); the link is emailed` +
              `${t.kind === 'outbox' ? ` (no SMTP_URL: it lands in ${t.dir}/)` : ''}\n` +
              `${metrics ? `  metrics: ${metrics.url}\n` : ''}` +
              `${originProblem ? `  warning: ${originProblem}\n` : ''}` +
              `  schedule: ${schedule ? `"${config.scheduleCron}" in ${config.timeZone}, next ${schedule.nextRun()?.toISOString() ?? 'never'}` : 'off (--no-schedule)'}\n`,
          );
          await new Promise<void>((resolve) =>
            shutdown.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        } finally {
          schedule?.stop();
          await server?.close();
          await parts.close();
          await metrics?.close();
        }
      });
    } finally {
      shutdown.dispose();
    }
  });
}

/** How to start the server and sign in, for the end of `kigen demo`. */
export function serveHint(dashboardUrl: string, email: string | null): string {
  return (
    `\nopen the server: npx kigen serve   (then ${new URL('sign-in', dashboardUrl)})\n` +
    `sign in${email ? ` as ${email} (an office owner)` : ' with a staff address'}: the sign-in link lands in the outbox as an .eml file\n`
  );
}
