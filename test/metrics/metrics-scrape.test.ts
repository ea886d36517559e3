// The /metrics listener scraped over a real socket after a real run: the run emails the loopback SMTP
// server through the real email channel, reports to the Prometheus registry through the RunMetrics port,
// and the scrape must agree with the run's summary and with the runs table.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createMetricsSource } from '../../src/db/metrics-queries.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { type MetricsListener, startMetricsListener } from '../../src/http/metrics-listener.ts';
import { createKigenMetrics, type KigenMetrics } from '../../src/metrics/metrics-registry.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type Fixtures } from '../helpers/fixtures.ts';
import { parseSamples, type Sample, sampleValue, sumOf } from '../helpers/prometheus-text.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { addDays, RUN_DATE, runOptions, runWith } from '../run/harness.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const QUOTA = 100;

describe.each(testEngines())('metrics scraped after a run on %s', (engine) => {
  let db: Db;
  let fx: Fixtures;
  let metrics: KigenMetrics;
  let listener: MetricsListener;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await truncateAll(db);
    fx = createFixtures(db);
    metrics = createKigenMetrics({ source: () => createMetricsSource(db), dailyQuota: QUOTA });
    listener = await startMetricsListener({ port: 0, token: TOKEN, metrics });
  });
  afterEach(async () => {
    await listener?.close();
  });

  async function scrape(): Promise<Sample[]> {
    const res = await fetch(listener.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseSamples(await res.text());
  }

  async function officeWithStaff(emails: string[]): Promise<void> {
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, -1) });
    for (const email of emails) await fx.staff({ offices: [office], email });
  }

  it('counts deliveries, attempts, send latency and rate-limit waits as the run summary does', async () => {
    await officeWithStaff(Array.from({ length: 8 }, (_, i) => `staff${i}@example.jp`));
    // Every third RCPT is greylisted (451): those attempts are transient and retried.
    const smtp = await sink({ transientEvery: 3 });
    const summary = await runWith(db, runOptions({ dailyQuota: QUOTA, ratePerSecond: 40 }), smtp.url, {
      deps: { metrics: metrics.run },
    });
    expect(summary.status).toBe('completed');
    const email = summary.deliveries.email;
    expect(email.sent).toBe(8);
    expect(email.attempts).toBeGreaterThan(8);

    const s = await scrape();
    expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'email', status: 'sent' })).toBe(email.sent);
    expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'email', status: 'failed' })).toBe(0);
    expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'push', status: 'sent' })).toBe(0);
    expect(sampleValue(s, 'kigen_send_attempts_total', { channel: 'email', result: 'sent' })).toBe(8);
    expect(sampleValue(s, 'kigen_send_attempts_total', { channel: 'email', result: 'transient' })).toBe(
      email.attempts - 8,
    );
    expect(sumOf(s, 'kigen_send_attempts_total', { channel: 'email' })).toBe(email.attempts);
    // One histogram observation per attempt, split by result like the counter.
    expect(sumOf(s, 'kigen_send_duration_seconds_count', { channel: 'email' })).toBe(email.attempts);
    expect(
      sampleValue(s, 'kigen_send_duration_seconds_bucket', { channel: 'email', result: 'sent', le: '+Inf' }),
    ).toBe(8);
    expect(
      sampleValue(s, 'kigen_send_duration_seconds_sum', { channel: 'email', result: 'sent' }),
    ).toBeGreaterThan(0);
    // 40/s with a burst of 2: the later sends waited for tokens.
    expect(sampleValue(s, 'kigen_rate_limit_wait_seconds_total', { channel: 'email' })).toBeGreaterThan(0.05);
    expect(sampleValue(s, 'kigen_email_quota_remaining')).toBe(QUOTA - email.sent);

    // The run gauges come from the runs table.
    const run = await db.k
      .selectFrom('runs')
      .select(['finished_at', 'started_at'])
      .where('run_date', '=', RUN_DATE)
      .executeTakeFirstOrThrow();
    const finished = (run.finished_at as Date).getTime() / 1000;
    const started = new Date(run.started_at as unknown as string | Date).getTime() / 1000;
    expect(sampleValue(s, 'kigen_run_last_success_timestamp_seconds', { scope: 'production' })).toBeCloseTo(
      finished,
      2,
    );
    expect(sampleValue(s, 'kigen_run_last_duration_seconds', { scope: 'production' })).toBeCloseTo(
      finished - started,
      2,
    );
    // Process defaults are there too.
    expect(sampleValue(s, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(s, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // No label names a person, an office or a date.
    const allowed = new Set([
      'channel',
      'status',
      'result',
      'le',
      'scope',
      'space',
      'version',
      'major',
      'minor',
      'patch',
      'kind',
      'type',
      'quantile',
    ]);
    for (const sample of s.filter((x) => x.name.startsWith('kigen_'))) {
      for (const label of Object.keys(sample.labels))
        expect(allowed, `${sample.name}{${label}}`).toContain(label);
    }
  });

  it('counts permanent failures, and a failed run does not count as the last success', async () => {
    await officeWithStaff(['ok@example.jp', 'refused@example.jp']);
    const smtp = await sink({
      failRcpt: (to) => (to === 'refused@example.jp' ? { code: 550, message: 'no such user' } : undefined),
    });
    const summary = await runWith(db, runOptions(), smtp.url, { deps: { metrics: metrics.run } });
    expect(summary.deliveries.email).toMatchObject({ sent: 1, failed: 1 });

    const s = await scrape();
    expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'email', status: 'sent' })).toBe(1);
    expect(sampleValue(s, 'kigen_deliveries_total', { channel: 'email', status: 'failed' })).toBe(1);
    expect(sampleValue(s, 'kigen_send_attempts_total', { channel: 'email', result: 'permanent' })).toBe(1);
    expect(sampleValue(s, 'kigen_rate_limit_wait_seconds_total', { channel: 'email' })).toBe(0);
    expect(
      sampleValue(s, 'kigen_run_last_success_timestamp_seconds', { scope: 'production' }),
    ).toBeUndefined();
  });

  it('answers 401 without the bearer token, and 404 beside /metrics', async () => {
    const none = await fetch(listener.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('kigen_');
    const wrong = await fetch(listener.url, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const other = await fetch(listener.url.replace('/metrics', '/'), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(other.status).toBe(404);
  });
});
