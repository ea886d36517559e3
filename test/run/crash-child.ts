// A daily run in a child process, for crash tests: the same runDaily the CLI runs, but with one-outcome
// batches so that what a SIGKILL can lose is as small as the design allows (the CLI keeps the 5 s default).
// Input from the environment (set by the test): CRASH_DATABASE_URL or CRASH_DATA_DIR, CRASH_SMTP_URL,
// CRASH_RUN_DATE, CRASH_CONCURRENCY. The parent kills it midway; it never finishes on its own terms.
import { openDatabase } from '../../src/db/database.ts';
import { createPlanReader, createRunStore } from '../../src/db/run-store.ts';
import { createLogger } from '../../src/logger.ts';
import { runDaily } from '../../src/run/daily-run.ts';
import { runOptions, smtpChannel } from './harness.ts';

const env = process.env;
const concurrency = Number(env.CRASH_CONCURRENCY ?? 2);
const db = await openDatabase(
  env.CRASH_DATABASE_URL
    ? { kind: 'postgres', url: env.CRASH_DATABASE_URL }
    : { kind: 'pglite', dataDir: `${env.CRASH_DATA_DIR}/pgdata` },
);
const email = smtpChannel(env.CRASH_SMTP_URL as string, { maxConnections: concurrency });
try {
  const options = runOptions({
    runDate: env.CRASH_RUN_DATE as string,
    concurrency,
    outcomeBatch: { maxItems: 1, maxDelayMs: 10 },
  });
  const summary = await runDaily(options, {
    reader: createPlanReader(db, options.scope),
    store: createRunStore(db),
    channels: { email, push: null },
    logger: createLogger('silent'),
    statements: () => db.stats.snapshot(),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await email.close();
  await db.close();
}
