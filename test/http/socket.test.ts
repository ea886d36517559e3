// Over a real socket: the in-process server through fetch, and `kigen serve` as a child process on
// an embedded database, which runs the schedule itself and stops cleanly on SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { startNode } from '../run/cli-process.ts';
import { type Harness, logProblems, startHarness } from './harness.ts';

describe('the server on a socket', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness('pglite');
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  }, 240_000);
  afterAll(async () => {
    const problems = logProblems(h.logLines, h.secrets);
    await h.close();
    expect(problems).toEqual([]);
  });

  it('signs in through the form flow and sends the security headers', async () => {
    const form = await fetch(`${base}/auth/sign-in`);
    expect(form.headers.get('content-security-policy')).toMatch(/script-src 'self'.*worker-src 'self'/);
    expect(form.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await form.text()).not.toMatch(/<script|style=/);
    const before = h.secrets.size;
    const token = (await h.linkToken(h.staff.managerB.email)) as string;
    expect(h.secrets.size).toBe(before + 1);
    const verified = await fetch(`${base}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
      redirect: 'manual',
    });
    expect(verified.status).toBe(303);
    const setCookie = verified.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^kigen_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/,
    );
    const cookie = setCookie.split(';')[0] as string;
    h.secrets.add(cookie.split('=')[1] as string);
    const me = await fetch(`${base}/api/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const { csrfToken, role } = (await me.json()) as { csrfToken: string; role: string };
    expect(role).toBe('manager');
    const put = (headers: Record<string, string>) =>
      fetch(`${base}/api/v1/me/preferences`, {
        method: 'PUT',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ emailThresholdDays: 5 }),
      });
    expect((await put({})).status).toBe(403);
    expect((await put({ 'x-csrf-token': csrfToken })).status).toBe(200);
  });
});

describe('kigen serve (child process, embedded database)', () => {
  it('serves, runs the schedule itself, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kigen-serve-'));
    try {
      const { child, result } = startNode('src/cli/main.ts', ['serve', '--port', '0'], {
        KIGEN_DATA_DIR: dir,
        // Every second, so the test sees a scheduled run without waiting for 09:00.
        KIGEN_SCHEDULE_CRON: '* * * * * *',
        LOG_LEVEL: 'info',
        KIGEN_METRICS_PORT: '0',
      });
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 200_000);
        child.stderr?.on('data', (s: string) => {
          stderr += s;
          const m = /listening on (http:\/\/\S+)/.exec(stderr);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', problems: [] });
      expect((await fetch(`${url}/api/v1/runs`)).status).toBe(401);
      await new Promise((r) => setTimeout(r, 2500));
      // The /metrics listener runs beside the server and reads the runs table of its database.
      const metricsUrl = /metrics: (http:\/\/\S+)/.exec(stderr)?.[1];
      expect(metricsUrl, stderr).toBeDefined();
      const scrape = await fetch(metricsUrl as string);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toMatch(
        /^kigen_run_last_success_timestamp_seconds\{scope="production"\} \d/m,
      );
      child.kill('SIGTERM');
      const done = await result;
      expect(done.code).toBe(0);
      expect(done.stderr).toMatch(/schedule: "\* \* \* \* \* \*" in Asia\/Tokyo/);
      expect(done.stderr).toMatch(/sign in: http:\/\/localhost:3000\/sign-in /);
      // Listening on a random port while DASHBOARD_URL says 3000: the forms would all be refused.
      expect(done.stderr).toMatch(
        /warning: DASHBOARD_URL is http:\/\/localhost:3000\/ but this server listens on http:\/\/127\.0\.0\.1:\d+: .*403 CROSS_ORIGIN.*--port 3000/,
      );
      const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pgdata') });
      try {
        const runs = await db.k.selectFrom('runs').select(['run_date', 'status']).execute();
        expect(runs).toHaveLength(1);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
