// The /metrics listener of `kigen schedule` (KIGEN_METRICS_PORT). The run gauges are read from the
// database at each scrape: on PostgreSQL through one connection kept for the purpose; with the embedded
// database only while a run holds it open (one process may open it), the last values read otherwise.
import type { Config } from '../../config/config.ts';
import { type Db, openDatabase } from '../../db/database.ts';
import { createMetricsSource } from '../../db/metrics-queries.ts';
import { startMetricsListener } from '../../http/metrics-listener.ts';
import type { Logger } from '../../logger.ts';
import { createKigenMetrics } from '../../metrics/metrics-registry.ts';
import type { RunMetrics } from '../../run/run-metrics.ts';

export interface ScheduleMetrics {
  readonly run: RunMetrics;
  readonly url: string;
  /** The database of the run in progress, read by scrapes meanwhile. */
  useDatabase(db: Db): void;
  /** Reads the gauges once more, then stops using the run's database (before it closes). */
  releaseDatabase(): Promise<void>;
  close(): Promise<void>;
}

/** Null when KIGEN_METRICS_PORT is not set. */
export async function startScheduleMetrics(
  config: Readonly<Config>,
  logger: Logger,
): Promise<ScheduleMetrics | null> {
  const { port, host, token } = config.metrics;
  if (port === null) return null;
  const own =
    config.database.kind === 'postgres'
      ? await openDatabase({ kind: 'postgres', url: config.database.url, maxConnections: 1 })
      : null;
  let current: Db | null = null;
  const metrics = createKigenMetrics({
    source: () => {
      const db = own ?? current;
      return db ? createMetricsSource(db) : null;
    },
    dailyQuota: config.delivery.dailyQuota,
    logger,
  });
  try {
    const listener = await startMetricsListener({ host, port, token, metrics, logger });
    return {
      run: metrics.run,
      url: listener.url,
      useDatabase(db) {
        current = db;
      },
      async releaseDatabase() {
        await metrics.refresh();
        current = null;
      },
      async close() {
        await listener.close();
        await own?.close();
      },
    };
  } catch (error) {
    await own?.close();
    throw error;
  }
}
