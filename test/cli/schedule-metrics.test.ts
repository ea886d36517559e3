// `kigen schedule` with KIGEN_METRICS_PORT: a real process serves /metrics while it waits for its cron; after
// a run against the loopback SMTP server the scrape counts what the server received, and the run gauges
// come from the runs table (PGlite: read before the run closes the database; PostgreSQL: at the scrape).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../helpers/databases.ts';
import { parseSamples, sampleValue } from '../helpers/prometheus-text.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { type CliTarget, cliTarget, startNode } from '../run/cli-process.ts';
import { RUN_DATE } from '../run/harness.ts';

const TOKEN = 'schedule-metrics-token-0123456789';

function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(match);
      }
    };
    child.stderr?.on('data', onData);
  });
}

// The in-process schedule (embedded database). On PostgreSQL `kigen schedule` works the job queue
// (src/queue/) and serves a worker's /metrics: test/queue/worker-processes.test.ts.
describe.each(testEngines().filter((e) => e === 'pglite'))('kigen schedule metrics on %s', (engine) => {
  let target: CliTarget;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    target = await cliTarget(engine, RUN_DATE);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('serves /metrics on KIGEN_METRICS_PORT, counting the scheduled run’s deliveries', async () => {
    const prepared = await target.prepare();
    const smtp = await sink();
    const { child, result } = startNode('src/cli/main.ts', ['schedule'], {
      ...prepared.env,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      KIGEN_SCHEDULE_CRON: '* * * * * *',
      KIGEN_METRICS_PORT: '0',
      KIGEN_METRICS_TOKEN: TOKEN,
    });
    try {
      const url = (
        await waitFor(child, /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/, 60_000)
      )[1] as string;
      // Today in Tokyo may be a weekend or holiday: then the run is a recorded skip and sends nothing.
      const ran = await waitFor(child, /"msg":"run for \d{4}-\d{2}-\d{2}: (completed|skipped)"/, 90_000);
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const s = parseSamples(await res.text());
      expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'email', status: 'sent' })).toBe(smtp.count);
      expect(sampleValue(s, 'kigen_send_attempts_total', { channel: 'email', result: 'sent' })).toBe(
        smtp.count,
      );
      expect(sampleValue(s, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      if (ran[1] === 'completed') {
        expect(smtp.count).toBe(40);
        const last = sampleValue(s, 'kigen_run_last_success_timestamp_seconds', { scope: 'production' });
        expect(last).toBeGreaterThan(Date.now() / 1000 - 120);
      }
      expect((await fetch(url)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const done = await result;
    expect(done.code, done.stderr).toBe(0);
  }, 180_000);
});
