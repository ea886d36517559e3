// Composition root: config → database → channels → run. Resources close in reverse order.
import { createEmailChannel } from './channels/email/email-channel.ts';
import { allowedAddressProblems } from './channels/push/connect-guard.ts';
import { createPushChannel } from './channels/push/push-channel.ts';
import { VAPID_ENV, validateVapid } from './channels/push/vapid.ts';
import type { Config } from './config/config.ts';
import { ConfigError } from './config/errors.ts';
import { type Db, openDatabase } from './db/database.ts';
import { assertSchemaCurrent, migrateToLatest } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import type { DeliveryChannels } from './run/deliver.ts';

export interface App {
  readonly config: Readonly<Config>;
  readonly db: Db;
  readonly logger: Logger;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it unless told not to) and returns the app's shared resources.
 * `readOnly` (a dry run, alerts, preview): nothing is created or migrated; a missing or outdated
 * schema is a SchemaNotReadyError that says what to run.
 */
export async function openApp(
  config: Readonly<Config>,
  options: { migrate?: boolean; readOnly?: boolean } = {},
): Promise<App> {
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config.database, options.readOnly ? { create: false } : {});
  try {
    if (options.readOnly) await assertSchemaCurrent(db.k);
    else if (options.migrate !== false) {
      const { applied } = await migrateToLatest(db.k);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  db.stats.reset();
  return {
    config,
    db,
    logger,
    close: () => db.close(),
  };
}

/** The delivery channels of the configuration. Push is null (with the reason) when VAPID keys are not set. */
export function createChannels(config: Readonly<Config>): {
  channels: DeliveryChannels;
  pushOffReason?: string;
} {
  const t = config.mail.transport;
  let email: DeliveryChannels['email'];
  try {
    email = createEmailChannel({
      transport:
        t.kind === 'outbox'
          ? { kind: 'outbox', dir: t.dir }
          : {
              kind: 'smtp',
              url: t.url,
              pool: t.pool,
              ...(t.oauth2 ? { auth: { type: 'oauth2' as const, ...t.oauth2 } } : {}),
            },
      from: config.mail.from,
      appName: config.mail.appName,
      dashboardUrl: config.mail.dashboardUrl,
      timeoutMs: config.delivery.timeoutMs,
    });
  } catch (error) {
    throw new ConfigError([`email: ${(error as Error).message}`]);
  }
  if (!config.push) {
    return {
      channels: { email, push: null },
      pushOffReason: 'VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT are not set',
    };
  }
  const problems = validateVapid(config.push).map((p) => `${VAPID_ENV[p.field]}: ${p.message}`);
  problems.push(
    ...allowedAddressProblems(config.push.allowedAddresses).map((p) => `KIGEN_PUSH_ALLOWED_ADDRESSES: ${p}`),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  const push = createPushChannel({
    vapid: {
      publicKey: config.push.publicKey,
      privateKey: config.push.privateKey,
      subject: config.push.subject,
    },
    ttlSeconds: config.push.ttlSeconds,
    timeoutMs: config.delivery.timeoutMs,
    allowedAddresses: config.push.allowedAddresses,
  });
  return { channels: { email, push } };
}
