// `kigen run --metrics-textfile PATH` as cron runs it: a real process emailing the loopback SMTP server
// writes the run's outcome for node_exporter's textfile collector, replacing the previous file whole,
// and with KIGEN_PUSHGATEWAY_URL PUTs it to a (loopback HTTP) Pushgateway. A file it cannot write or a
// gateway that refuses only warns, and the exit code still says how the run went.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../helpers/databases.ts';
import { parseSamples, sampleValue } from '../helpers/prometheus-text.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { type CliTarget, cliTarget, runCli } from '../run/cli-process.ts';
import { RUN_DATE } from '../run/harness.ts';

describe.each(testEngines())('kigen run --metrics-textfile on %s', (engine) => {
  let target: CliTarget;
  const dir = mkdtempSync(path.join(tmpdir(), 'kigen-textfile-'));
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    target = await cliTarget(engine, RUN_DATE);
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the run outcome atomically over the previous file, without process metrics', async () => {
    const prepared = await target.prepare();
    const smtp = await sink({ failRcpt: () => undefined });
    const file = path.join(dir, `kigen-${engine}.prom`);
    writeFileSync(file, 'kigen_stale_metric 1\n');
    const started = Date.now() / 1000;
    const result = await runCli(['--date', RUN_DATE, '--json', '--metrics-textfile', file], {
      ...prepared.env,
      SMTP_URL: smtp.url,
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = result.json;
    if (!summary) throw new Error(`no JSON summary: ${result.stdout}`);
    expect(summary.deliveries.email.sent).toBe(40);

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('kigen_stale_metric');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const s = parseSamples(text);
    const scope = { scope: 'production' };
    expect(sampleValue(s, 'kigen_run_deliveries', { ...scope, channel: 'email', status: 'sent' })).toBe(40);
    expect(sampleValue(s, 'kigen_run_deliveries', { ...scope, channel: 'email', status: 'failed' })).toBe(0);
    expect(sampleValue(s, 'kigen_run_deliveries', { ...scope, channel: 'push', status: 'sent' })).toBe(0);
    expect(sampleValue(s, 'kigen_run_send_attempts', { ...scope, channel: 'email' })).toBe(
      summary.deliveries.email.attempts,
    );
    expect(sampleValue(s, 'kigen_run_status', { ...scope, status: 'completed' })).toBe(1);
    expect(sampleValue(s, 'kigen_run_status', { ...scope, status: 'partial' })).toBe(0);
    expect(sampleValue(s, 'kigen_run_exit_code', scope)).toBe(0);
    expect(sampleValue(s, 'kigen_run_duration_seconds', scope)).toBeCloseTo(summary.phases.totalMs / 1000, 3);
    const lastSuccess = sampleValue(s, 'kigen_run_last_success_timestamp_seconds', scope) ?? 0;
    expect(lastSuccess).toBeGreaterThanOrEqual(Math.floor(started));
    expect(lastSuccess).toBeLessThanOrEqual(Date.now() / 1000);
    expect(sampleValue(s, 'kigen_run_last_duration_seconds', scope)).toBeGreaterThan(0);
    // The process is gone when node_exporter reads the file: none of its metrics belong there.
    expect(s.filter((x) => !x.name.startsWith('kigen_'))).toEqual([]);
  }, 180_000);

  it('warns and keeps the exit code when the file cannot be written', async () => {
    const prepared = await target.prepare();
    const smtp = await sink();
    const file = path.join(dir, 'missing-dir', 'kigen.prom');
    const result = await runCli(['--date', RUN_DATE, '--json', '--metrics-textfile', file], {
      ...prepared.env,
      SMTP_URL: smtp.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json?.status).toBe('completed');
    expect(result.stderr).toContain(`could not write the metrics textfile ${file} (ENOENT)`);
    expect(existsSync(path.dirname(file))).toBe(false);
  }, 180_000);

  it('PUTs the outcome to KIGEN_PUSHGATEWAY_URL as job kigen_run, grouped by scope; a refusal only warns', async () => {
    const received: Array<{ method: string; url: string; body: string }> = [];
    let status = 200;
    const gateway = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(status).end(status === 200 ? '' : 'pushed metrics are invalid');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    try {
      const prepared = await target.prepare();
      const smtp = await sink();
      const env = { ...prepared.env, SMTP_URL: smtp.url, KIGEN_PUSHGATEWAY_URL: gatewayUrl };
      const result = await runCli(['--date', RUN_DATE, '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
        'PUT /metrics/job/kigen_run/scope/production',
      ]);
      const s = parseSamples(received[0]?.body ?? '');
      expect(
        sampleValue(s, 'kigen_run_deliveries', { scope: 'production', channel: 'email', status: 'sent' }),
      ).toBe(result.json?.deliveries.email.sent);
      expect(s.filter((x) => !x.name.startsWith('kigen_'))).toEqual([]);

      status = 400;
      const again = await runCli(['--date', RUN_DATE, '--json'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`could not push the run metrics to ${gatewayUrl}`);
      expect(again.stderr).toContain('status 400');
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  }, 240_000);
});
