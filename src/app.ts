// Composition root: config → database → channels → run. Resources close in reverse order.
import type { Config } from './config/config.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';

export interface App {
  readonly config: Readonly<Config>;
  readonly db: Db;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** Opens the database (migrating it unless told not to) and returns the app's shared resources. */
export async function openApp(config: Readonly<Config>, options: { migrate?: boolean } = {}): Promise<App> {
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config.database);
  try {
    if (options.migrate !== false) {
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
