// Composition of `kigen serve`: the services the HTTP door needs, built from the app's config,
// database and logger. The serve command and the tests both build the server through here.
import { createSignInService } from './auth/sign-in-service.ts';
import { createSignInMailer } from './channels/email/sign-in-mail.ts';
import type { Config } from './config/config.ts';
import { createAuthStore } from './db/auth-store.ts';
import type { Db } from './db/database.ts';
import { emailsSentLast24h } from './db/metrics-queries.ts';
import { createOfficeStaffQueries } from './db/office-staff-queries.ts';
import { databaseReadiness } from './db/readiness.ts';
import { createRunQueries } from './db/run-queries.ts';
import { createPlanReader } from './db/run-store.ts';
import { createStaffStore } from './db/staff-store.ts';
import type { ServerDeps } from './http/types.ts';
import type { Logger } from './logger.ts';
import { createOfficeStaffService } from './services/office-staff-service.ts';
import { createPreferencesService } from './services/preferences-service.ts';
import { createPreviewService } from './services/preview-service.ts';
import { createPushSubscriptionService } from './services/push-subscription-service.ts';
import { createRunRunner, type RunForDate } from './services/run-runner.ts';
import { createRunsService } from './services/runs-service.ts';

export interface ServeParts {
  deps: ServerDeps;
  /** Drains a run in flight and background sign-in mail, then closes the mail transport. */
  close(): Promise<void>;
}

export function createServeParts(
  app: { config: Readonly<Config>; db: Db; logger: Logger },
  opts: { runForDate: RunForDate; now?: () => Date; signInLimits?: { perAddress: number; perIp: number } },
): ServeParts {
  const { config, db, logger } = app;
  const t = config.mail.transport;
  const mailer = createSignInMailer({
    transport:
      t.kind === 'outbox'
        ? { kind: 'outbox', dir: t.dir }
        : {
            kind: 'smtp',
            url: t.url,
            pool: { maxConnections: 1, maxMessages: t.pool.maxMessages },
            ...(t.oauth2 ? { auth: { type: 'oauth2' as const, ...t.oauth2 } } : {}),
          },
    from: config.mail.from,
    appName: config.mail.appName,
    timeoutMs: config.delivery.timeoutMs,
  });
  const signIn = createSignInService({
    store: createAuthStore(db),
    mailer,
    logger,
    verifyUrl: new URL('auth/verify', config.mail.dashboardUrl).toString(),
    sessionHours: config.http.sessionHours,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.signInLimits ? { limits: opts.signInLimits } : {}),
  });
  const staff = createStaffStore(db);
  const planReader = createPlanReader(db, config.dataScope);
  const runner = createRunRunner({
    run: opts.runForDate,
    onDone: (runDate, trigger, outcome) => {
      if (outcome.error) {
        logger.error({ runDate, trigger, err: { message: (outcome.error as Error).message } }, 'run failed');
      } else {
        logger.info(
          { runDate, trigger, status: outcome.summary?.status },
          `run for ${runDate}: ${outcome.summary?.status}`,
        );
      }
    },
  });
  const deps: ServerDeps = {
    logger,
    publicUrl: config.mail.dashboardUrl,
    timeZone: config.timeZone,
    signIn,
    preferences: createPreferencesService(staff),
    pushSubscriptions: createPushSubscriptionService(staff),
    planReader,
    preview: createPreviewService({
      reader: planReader,
      staff,
      grouping: config.emailGrouping,
      mail: { from: config.mail.from, appName: config.mail.appName, dashboardUrl: config.mail.dashboardUrl },
    }),
    runs: createRunsService(createRunQueries(db), runner),
    runner,
    vapidPublicKey: config.push?.publicKey ?? null,
    readiness: () => databaseReadiness(db),
    trustProxy: config.http.trustProxy,
    afterSignInPath: '/',
    web: webDeps(config, db),
  };
  return {
    deps,
    async close() {
      await runner.close();
      await signIn.idle();
      await mailer.close();
    },
  };
}

function webDeps(config: Readonly<Config>, db: Db): ServerDeps['web'] {
  const queries = createOfficeStaffQueries(db);
  return {
    appName: config.mail.appName,
    closures: config.closures,
    officeStaff: createOfficeStaffService(queries),
    staffNames: (ids) => queries.staffNames(ids),
    findStaff: (q) => queries.findStaff(q),
    dailyQuota: config.delivery.dailyQuota,
    emailsSentLast24h: () => emailsSentLast24h(db),
  };
}
