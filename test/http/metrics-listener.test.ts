// The /metrics listener over a real socket: errors are clear, and a failing collector never leaks a stack.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { startMetricsListener } from '../../src/http/metrics-listener.ts';
import { createKigenMetrics, type MetricsSource } from '../../src/metrics/metrics-registry.ts';

describe('metrics listener', () => {
  it('serves without a token when none is configured, in the Prometheus text format', async () => {
    const metrics = createKigenMetrics({ source: () => null, dailyQuota: 0, processMetrics: false });
    const listener = await startMetricsListener({ port: 0, metrics });
    try {
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(listener.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(text).toContain('# TYPE kigen_deliveries_total counter');
      expect(text).toContain('kigen_deliveries_total{channel="push",status="deferred"} 0');
      // No quota configured: no quota gauge (a 0 would read as "quota exhausted").
      expect(text).not.toContain('kigen_email_quota_remaining');
      expect(text).not.toContain('process_cpu');
    } finally {
      await listener.close();
    }
  });

  it('answers 500 with a short text when collecting fails, never a stack', async () => {
    const listener = await startMetricsListener({
      port: 0,
      metrics: {
        contentType: 'text/plain',
        render: () => Promise.reject(new Error('secret internals at /srv/kigen')),
      },
    });
    try {
      const res = await fetch(listener.url);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('metrics could not be collected\n');
    } finally {
      await listener.close();
    }
  });

  it('says which setting to fix when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const metrics = createKigenMetrics({ source: () => null, dailyQuota: 0, processMetrics: false });
      const error = await startMetricsListener({ port, metrics }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        `KIGEN_METRICS_HOST/KIGEN_METRICS_PORT: cannot listen on 127.0.0.1:${port} (EADDRINUSE); is another process using the port, or is the address not on this machine?`,
      ]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});

describe('scrape-time gauges', () => {
  it('serve the last values read while no database is open, and a failed read keeps them', async () => {
    let source: MetricsSource | null = {
      lastCompletedRuns: async () => [
        { scope: 'production', finishedAtSeconds: 1_764_550_000, durationSeconds: 12.5 },
      ],
      emailsSentLast24h: async () => 30,
    };
    const metrics = createKigenMetrics({
      source: () => source,
      dailyQuota: 100,
      processMetrics: false,
    });
    const first = await metrics.render();
    expect(first).toContain('kigen_run_last_success_timestamp_seconds{scope="production"} 1764550000');
    expect(first).toContain('kigen_run_last_duration_seconds{scope="production"} 12.5');
    expect(first).toContain('kigen_email_quota_remaining 70');
    source = null;
    expect(await metrics.render()).toBe(first);
    source = {
      lastCompletedRuns: () => Promise.reject(new Error('connection lost')),
      emailsSentLast24h: () => Promise.reject(new Error('connection lost')),
    };
    expect(await metrics.render()).toBe(first);
  });
});
