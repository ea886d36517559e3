/// <reference lib="dom" />
// The pages of the REAL `kigen serve` server (buildServer on a socket, PGlite; PostgreSQL too with
// TEST_DATABASE_URL) in real Chromium: sign-in through a real SMTP server on loopback (the link is
// read from the delivered email), settings that persist, a push subscription stored through the
// API, office scoping (404), operator pages, and no CSP violation or console error anywhere.
// KIGEN_SCREENSHOTS=1 writes the committed screenshots of each page (docs/screenshots/).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVapidKeys } from '../../src/channels/push/vapid.ts';
import {
  describeWithChromium,
  launchChromium,
  openContext,
  type WatchedContext,
} from '../helpers/browser.ts';
import { testEngines } from '../helpers/databases.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-server.ts';
import {
  type Harness,
  logProblems,
  type Persona,
  startHarness,
  validSubscriptionKeys,
} from '../http/harness.ts';
import { fakePushManager, POLL, screenshotDir, WIDTHS } from './browser-support.ts';

const SCREENSHOT_DIR = screenshotDir();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A full-page screenshot at both widths (the page is reloaded at each width). */
async function shoot(page: Page, name: string): Promise<void> {
  for (const { name: width, viewport } of WIDTHS) {
    await page.setViewportSize(viewport);
    await page.reload({ waitUntil: 'load' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
  }
}

describeWithChromium('kigen serve pages in Chromium', () => {
  describe.each(testEngines())('on %s', (engine) => {
    let browser: Browser;
    let smtp: SmtpSink;
    let h: Harness;
    let base: string;
    const contexts: WatchedContext[] = [];

    beforeAll(async () => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      smtp = await startSmtpSink();
      const port = await freePort();
      const vapid = generateVapidKeys();
      h = await startHarness(engine, {
        publicUrl: `http://localhost:${port}/`,
        env: {
          SMTP_URL: smtp.url,
          VAPID_PUBLIC_KEY: vapid.publicKey,
          VAPID_PRIVATE_KEY: vapid.privateKey,
          VAPID_SUBJECT: 'mailto:ops@example.jp',
        },
      });
      h.secrets.add(vapid.privateKey);
      await h.app.listen({ host: '127.0.0.1', port });
      // localhost, not 127.0.0.1: a secure context for the service worker and push.
      base = `http://localhost:${port}`;
      browser = await launchChromium();
    }, 240_000);

    afterAll(async () => {
      for (const c of contexts) await c.context.close();
      await browser?.close();
      const problems = h ? logProblems(h.logLines, h.secrets) : [];
      await h?.close();
      await smtp?.close();
      expect(problems).toEqual([]);
    });

    /** Signs in like a person: the form, the email on the SMTP server, its link, the button. */
    async function signIn(persona: Persona): Promise<{ watched: WatchedContext; page: Page }> {
      const watched = await openContext(browser, { viewport: WIDTHS[1].viewport, locale: 'ja-JP' });
      contexts.push(watched);
      const page = await watched.context.newPage();
      await page.goto(`${base}/settings`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      const address = h.staff[persona].email;
      const before = smtp.count;
      await page.getByLabel('メールアドレス').fill(address);
      await page.getByRole('button', { name: 'ログインリンクを送る' }).click();
      await page.waitForURL(`${base}/sign-in/sent`);
      await smtp.waitForCount(before + 1, 20_000);
      const mail = smtp.messages.at(-1);
      expect(mail?.envelope.to).toEqual([address]);
      const link = /(https?:\/\/\S+\/auth\/verify\?token=[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
      expect(link, mail?.text).toMatch(new RegExp(`^${base}/auth/verify`));
      h.secrets.add(new URL(link as string).searchParams.get('token') as string);
      await page.goto(link as string);
      await page.getByRole('button', { name: 'ログインする' }).click();
      await page.waitForURL(`${base}/`);
      const cookie = (await watched.context.cookies()).find((c) => c.name === 'kigen_session');
      if (cookie) h.secrets.add(cookie.value);
      return { watched, page };
    }

    const api = (page: Page, url: string) =>
      page.evaluate(async (u) => {
        const res = await fetch(u);
        return { status: res.status, body: (await res.json()) as unknown };
      }, url);

    it('an employee signs in by email, changes settings that persist, subscribes a device, sees only their office', async () => {
      const { watched, page } = await signIn('employeeA');
      const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
      if (csrf) h.secrets.add(csrf);
      await expect.poll(() => page.locator('main').textContent(), POLL).toContain('事業所A');
      expect(await page.locator('main').textContent()).not.toContain('事業所B');
      await shoot(page, 'home');
      await page.goto(`${base}/offices/${h.officeA}`);
      await shoot(page, 'office');

      // Settings: the email threshold to 20 days, saved, and still 20 after a reload and in the API.
      await page.goto(`${base}/settings`);
      await shoot(page, 'settings');
      const emailDays = page.locator('select[name="emailThreshold"]');
      await emailDays.selectOption('20');
      await page.getByRole('button', { name: /保存/ }).click();
      await page.waitForURL(/\/settings\?saved=1$/);
      expect(await page.locator('.flash-success').textContent()).toContain('通知設定を保存しました');
      await page.reload();
      expect(await emailDays.inputValue()).toBe('20');
      expect((await api(page, '/api/v1/me/preferences')).body).toMatchObject({ emailThresholdDays: 20 });
      // Both channels off: the form says why, status 422, nothing stored.
      await page.locator('input[name="email"]').uncheck();
      await page.locator('input[name="push"]').uncheck();
      await page.getByRole('button', { name: /保存/ }).click();
      await expect.poll(() => page.locator('main').textContent(), POLL).toContain('両方をオフにはできません');
      await shoot(page, 'settings-error');
      expect((await api(page, '/api/v1/me/preferences')).body).toMatchObject({ emailNotification: true });

      // Devices: subscribe this browser (PushManager replaced; the endpoint is never contacted).
      const endpoint = `https://fcm.googleapis.com/fcm/send/e2e-${engine}`;
      await watched.context.grantPermissions(['notifications'], { origin: base });
      await fakePushManager(page, { endpoint, keys: validSubscriptionKeys() });
      await page.goto(`${base}/devices`);
      await page.getByRole('button', { name: 'この端末で通知を受け取る' }).click();
      await expect
        .poll(() => page.locator('[data-push-status]').textContent(), POLL)
        .toContain('この端末を登録しました');
      const stored = (await api(page, '/api/v1/me/push-subscriptions')).body as {
        subscriptions: { endpoint: string; userAgent: string }[];
      };
      expect(stored.subscriptions.map((s) => s.endpoint)).toEqual([endpoint]);
      expect(stored.subscriptions[0]?.userAgent).toMatch(/Chrome/);
      await shoot(page, 'devices');

      // Office B, its staff page, and the operator pages do not exist for this person.
      for (const url of [
        `/offices/${h.officeB}`,
        `/offices/${h.officeB}/staff`,
        `/offices/${h.officeA}/staff`,
        '/admin/runs',
        '/admin/health',
        `/admin/preview?staff=${h.staff.employeeA.id}`,
      ]) {
        const res = await page.goto(`${base}${url}`);
        expect(res?.status(), url).toBe(404);
        expect(await page.locator('h1').textContent(), url).toBe('ページが見つかりません');
        expect(await page.locator('main').textContent(), url).not.toContain('事業所B');
      }

      // Sign out: the session ends and pages lead back to the sign-in form.
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'ログアウト' }).click();
      await page.waitForURL(`${base}/sign-in`);
      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      // Chromium logs every 4xx page load as a console error: the 422 form and the 404s above are meant.
      expect(watched.problems(/status of (404|422) /)).toEqual([]);
      expect(watched.problems().filter((p) => /favicon/.test(p.url))).toEqual([]);
    }, 240_000);

    it('a manager edits a staff member of their office', async () => {
      const { watched, page } = await signIn('managerA');
      await page.goto(`${base}/offices/${h.officeA}/staff`);
      await shoot(page, 'manager');
      const form = page.locator(`form[action$="/staff/${h.staff.employeeA.id}/preferences"]`);
      await form.locator('select[name="pushThreshold"]').selectOption('5');
      await form.getByRole('button').click();
      await page.waitForURL(/\/staff\?saved=1$/);
      const prefs = (await api(page, `/api/v1/staff/${h.staff.employeeA.id}/preferences`)).body;
      expect(prefs).toMatchObject({ pushThresholdDays: 5 });
      expect(watched.problems()).toEqual([]);
    }, 240_000);

    it('operator pages work for app_admin: runs with resume, preview, health', async () => {
      const { watched, page } = await signIn('admin');
      await page.goto(`${base}/admin/runs`);
      await page.locator('#resume-date').fill('2026-12-01');
      await page.getByRole('button', { name: 'この日付を実行・再開する' }).click();
      await page.waitForURL(/\/admin\/runs\?started=2026-12-01$/);
      await expect.poll(() => h.runs, POLL).toContain('2026-12-01');
      await shoot(page, 'admin-runs');
      await page.goto(`${base}/admin/preview`);
      await page.locator('#preview-staff').fill(h.staff.employeeA.email);
      await page.locator('#preview-date').fill('2026-12-01');
      await page.getByRole('button', { name: '表示' }).click();
      await expect
        .poll(() => page.locator('main').textContent(), POLL)
        .toMatch(/さんへのメール|送るメールはありません/);
      await shoot(page, 'admin-preview');
      await page.goto(`${base}/admin/health`);
      expect(await page.locator('main').textContent()).toContain('データベース');
      await shoot(page, 'admin-health');
      expect(watched.problems()).toEqual([]);
    }, 240_000);

    it('the sign-in pages render without a session', async () => {
      const watched = await openContext(browser, { viewport: WIDTHS[1].viewport, locale: 'ja-JP' });
      contexts.push(watched);
      const page = await watched.context.newPage();
      const res = await page.goto(`${base}/sign-in`);
      expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'.*worker-src 'self'/);
      await shoot(page, 'sign-in');
      await page.goto(`${base}/sign-in/sent`);
      await shoot(page, 'sign-in-sent');
      const sw = await page.goto(`${base}/sw.js`);
      expect(sw?.headers()['cache-control']).toBe('no-cache');
      expect(watched.problems()).toEqual([]);
    }, 120_000);
  });
});
