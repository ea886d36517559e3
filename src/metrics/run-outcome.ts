// The outcome of one `kigen run` as gauges, for a one-shot run from cron: written as a file for
// node_exporter's textfile collector, or pushed to a Pushgateway. Only the run's outcome: no process
// metrics (the process is gone when they would be read). Every series carries the data scope, so two
// scopes' files never collide.
import { open, rename, rm } from 'node:fs/promises';
import { Gauge, Pushgateway, Registry } from '@prometheus-io/client';
import { CHANNELS } from '../domain/types.ts';
import { RUN_STATUSES, type RunSummary } from '../run/summary.ts';
import type { MetricsSource } from './metrics-registry.ts';

/** A registry holding the run's outcome gauges, with the last completed run read from the database. */
export async function runOutcomeRegistry(
  summary: RunSummary,
  source: MetricsSource,
  nowMs: number = Date.now(),
): Promise<Registry> {
  const registry = new Registry();
  const scope = summary.scope;
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L | 'scope'>({ name, help, labelNames: ['scope', ...labelNames], registers: [registry] });

  const last = (await source.lastCompletedRuns()).find((r) => r.scope === scope);
  if (last) {
    gauge('kigen_run_last_success_timestamp_seconds', 'When the last completed run finished', []).set(
      { scope },
      last.finishedAtSeconds,
    );
    gauge('kigen_run_last_duration_seconds', 'How long the last completed run took', []).set(
      { scope },
      last.durationSeconds,
    );
  }
  gauge('kigen_run_timestamp_seconds', 'When this kigen run invocation ended', []).set(
    { scope },
    nowMs / 1000,
  );
  gauge('kigen_run_duration_seconds', 'How long this kigen run invocation took', []).set(
    { scope },
    summary.phases.totalMs / 1000,
  );
  gauge(
    'kigen_run_exit_code',
    'Exit code of this kigen run invocation (0 ok, 1 failed or left, 3 busy)',
    [],
  ).set({ scope }, summary.exitCode);
  const status = gauge('kigen_run_status', 'The status of this invocation: 1 for the one it ended with', [
    'status',
  ]);
  for (const s of RUN_STATUSES) status.set({ scope, status: s }, s === summary.status ? 1 : 0);
  const deliveries = gauge(
    'kigen_run_deliveries',
    'Deliveries this invocation ended, by channel and how (deferred = left pending)',
    ['channel', 'status'],
  );
  const attempts = gauge('kigen_run_send_attempts', 'Send attempts of this invocation, by channel', [
    'channel',
  ]);
  for (const channel of CHANNELS) {
    const d = summary.deliveries[channel];
    deliveries.set({ scope, channel, status: 'sent' }, d.sent);
    deliveries.set({ scope, channel, status: 'failed' }, d.failed);
    deliveries.set({ scope, channel, status: 'skipped' }, d.skipped);
    deliveries.set({ scope, channel, status: 'deferred' }, d.pending);
    attempts.set({ scope, channel }, d.attempts);
  }
  if (summary.quota) {
    gauge('kigen_email_quota_remaining', 'Emails the sender may still send under KIGEN_DAILY_QUOTA', []).set(
      { scope },
      Math.max(0, summary.quota.remaining - summary.deliveries.email.sent),
    );
  }
  return registry;
}

/**
 * Writes `text` to `file` atomically: to `file.tmp` in the same directory (same file system), synced,
 * then renamed over `file`, so node_exporter never reads half a file.
 */
export async function writeTextfileAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
}

/** Writes the registry's metrics for node_exporter. Throws on a file error; the caller only warns. */
export async function writeRunTextfile(file: string, registry: Registry): Promise<void> {
  await writeTextfileAtomically(file, await registry.metrics());
}

/** How long a Pushgateway request may stay idle before it is given up. */
const PUSHGATEWAY_TIMEOUT_MS = 5000;

/**
 * PUTs the registry's metrics to a Pushgateway as job `kigen_run`, grouped by data scope (a PUT replaces
 * the group, so one run's counts never mix with the previous run's). No instance label: the outcome belongs
 * to the service, not to the machine that ran it. Throws on failure; the caller only warns.
 */
export async function pushRunOutcome(url: string, scope: string, registry: Registry): Promise<void> {
  await new Pushgateway(url, { timeout: PUSHGATEWAY_TIMEOUT_MS }, registry).push({
    jobName: 'kigen_run',
    groupings: { scope },
  });
}
