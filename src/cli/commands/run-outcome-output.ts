// After `kigen run`: the run's outcome for monitoring (KIGEN_METRICS_TEXTFILE, KIGEN_PUSHGATEWAY_URL). A
// failure here only warns: the exit code says how the run went, not whether its metrics could be published.
import type { App } from '../../app.ts';
import { maskUrlPassword } from '../../config/errors.ts';
import { createMetricsSource } from '../../db/metrics-queries.ts';
import { pushRunOutcome, runOutcomeRegistry, writeRunTextfile } from '../../metrics/run-outcome.ts';
import type { RunSummary } from '../../run/summary.ts';

export async function writeRunOutcome(app: App, summary: RunSummary): Promise<void> {
  const { textfile, pushgatewayUrl } = app.config.metrics;
  if (!textfile && !pushgatewayUrl) return;
  if (summary.mode === 'dry-run') {
    process.stderr.write('kigen run: a dry run publishes no run metrics (textfile, Pushgateway)\n');
    return;
  }
  const warn = (what: string, error: unknown) => {
    const code = (error as { code?: string }).code;
    process.stderr.write(
      `kigen run: warning: could not ${what}${code ? ` (${code})` : ''}: ${(error as Error).message}; the run itself is unaffected\n`,
    );
  };
  let registry: Awaited<ReturnType<typeof runOutcomeRegistry>>;
  try {
    registry = await runOutcomeRegistry(summary, createMetricsSource(app.db));
  } catch (error) {
    return warn('read the last runs for the run metrics', error);
  }
  if (textfile) {
    try {
      await writeRunTextfile(textfile, registry);
      if (!textfile.endsWith('.prom')) {
        process.stderr.write(
          `kigen run: warning: node_exporter's textfile collector reads only *.prom files; ${textfile} will be ignored by it\n`,
        );
      }
    } catch (error) {
      warn(`write the metrics textfile ${textfile}`, error);
    }
  }
  if (pushgatewayUrl) {
    try {
      await pushRunOutcome(pushgatewayUrl, summary.scope, registry);
    } catch (error) {
      warn(`push the run metrics to ${maskUrlPassword(pushgatewayUrl)}`, error);
    }
  }
}
