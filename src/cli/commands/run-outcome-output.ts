// After `kigen run`: the run's outcome for monitoring (KIGEN_METRICS_TEXTFILE). A failure here only
// warns: the exit code says how the run went, not whether its metrics could be written.
import type { App } from '../../app.ts';
import { createMetricsSource } from '../../db/metrics-queries.ts';
import { writeRunTextfile } from '../../metrics/run-outcome.ts';
import type { RunSummary } from '../../run/summary.ts';

export async function writeRunOutcome(app: App, summary: RunSummary): Promise<void> {
  const file = app.config.metrics.textfile;
  if (!file) return;
  if (summary.mode === 'dry-run') {
    process.stderr.write(`kigen run: a dry run writes no metrics textfile (${file})\n`);
    return;
  }
  try {
    await writeRunTextfile(file, summary, createMetricsSource(app.db));
    if (!file.endsWith('.prom')) {
      process.stderr.write(
        `kigen run: warning: node_exporter's textfile collector reads only *.prom files; ${file} will be ignored by it\n`,
      );
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    process.stderr.write(
      `kigen run: warning: could not write the metrics textfile ${file}${code ? ` (${code})` : ''}: ${(error as Error).message}; the run itself is unaffected\n`,
    );
  }
}
