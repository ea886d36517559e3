/// <reference lib="dom" />
/// <reference lib="webworker" />
// The pages in real Chromium under the strict CSP: every page at phone and desktop width without a
// console error or CSP violation, visible keyboard focus, the push subscribe and remove flows
// (PushManager.subscribe replaced, since headless Chromium cannot reach a push service), and
// kigen's own push payload shown as a notification by the service worker (CDP deliverPushMessage).
import { createECDH, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPushPayload } from '../../src/channels/push/push-payload.ts';
import { API_PATHS, WEB_PATHS } from '../../src/web/paths.ts';
import { describeWithChromium, launchChromium, openContext } from '../helpers/browser.ts';
import { fakePushManager, POLL, screenshotDir, WIDTHS } from './browser-support.ts';
import { CSRF_TOKEN, devicesView, HOSTILE_NAME, homeView, OFFICES, samplePages } from './sample-views.ts';
import { startWebTestServer, type WebTestServer } from './web-test-server.ts';

const SCREENSHOT_DIR = screenshotDir();

/** A P-256 public key and auth secret as a browser's PushSubscription.toJSON() gives them. */
function testSubscriptionKeys(): { p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

const VAPID_PUBLIC_KEY = testSubscriptionKeys().p256dh;

describeWithChromium('web pages in Chromium', () => {
  let browser: Browser;
  let server: WebTestServer;

  beforeAll(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    [browser, server] = await Promise.all([launchChromium(), startWebTestServer(VAPID_PUBLIC_KEY)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each(WIDTHS)(
    'renders every page at $name px with no console error, no CSP violation and no sideways scroll',
    async ({ name, viewport }) => {
      const watched = await openContext(browser, { viewport, locale: 'ja-JP' });
      const page = await watched.context.newPage();
      for (const sample of samplePages()) {
        await page.goto(`${server.origin}${sample.path}`, { waitUntil: 'load' });
        // The stylesheet applied (a CSP refusal would leave the browser's defaults).
        const background = await page.evaluate(
          () => getComputedStyle(document.documentElement).backgroundColor,
        );
        expect(background, sample.name).toBe('rgb(244, 245, 247)');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${sample.name} scrolls sideways at ${name} px`).toBeLessThanOrEqual(0);
        const shot = await page.screenshot({
          path: path.join(SCREENSHOT_DIR, `${sample.name}-${name}.png`),
          fullPage: true,
        });
        expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(shot.length).toBeGreaterThan(5_000);
      }
      expect(watched.problems()).toEqual([]);
      await watched.context.close();
    },
  );

  it('an inline script or style would be reported (the CSP in the test server is real)', async () => {
    const watched = await openContext(browser);
    const page = await watched.context.newPage();
    await page.goto(`${server.origin}${WEB_PATHS.signIn}`);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = 1';
      document.body.append(script);
      document.body.setAttribute('style', 'color: red');
    });
    await page.waitForTimeout(100);
    const kinds = watched.problems().map((p) => p.kind);
    expect(kinds).toEqual(['csp-violation', 'csp-violation']);
    expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBeUndefined();
    await watched.context.close();
  });

  it('shows hostile names as text: no markup, no script, no handler runs', async () => {
    const watched = await openContext(browser);
    const page = await watched.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${server.origin}/hostile`);
    expect(await page.locator('main h2').first().textContent()).toBe(`至急 ${HOSTILE_NAME}`);
    expect(await page.locator('.who').textContent()).toBe(`${HOSTILE_NAME} さん`);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('shows where the keyboard focus is: skip link first, then a visible outline on each control', async () => {
    const watched = await openContext(browser, { viewport: { width: 375, height: 812 } });
    const page = await watched.context.newPage();
    await page.goto(`${server.origin}${WEB_PATHS.settings}`);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {
          text: el.textContent?.trim() ?? '',
          tag: el.tagName,
          outline: `${style.outlineStyle} ${style.outlineWidth}`,
          visible: box.top >= 0 && box.bottom <= window.innerHeight + 1 && box.width > 0,
        };
      });
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ text: '本文へ移動', outline: 'solid 3px', visible: true });
    // Enter on the skip link moves past the header and navigation to the main content.
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const state = await focused();
      seen.push(state.tag);
      expect(state.outline, `${state.tag} ${state.text}`).toBe('solid 3px');
      expect(state.visible, `${state.tag} ${state.text} is on screen`).toBe(true);
    }
    // From the main content the keyboard reaches the form: checkbox, select, checkbox, select, link, button.
    expect(seen).toEqual(['INPUT', 'SELECT', 'INPUT', 'SELECT', 'A', 'BUTTON']);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('subscribes this browser from a click: asks permission, fetches the VAPID key, POSTs keys with the CSRF header', async () => {
    const watched = await openContext(browser);
    await watched.context.grantPermissions(['notifications'], { origin: server.origin });
    const page = await watched.context.newPage();
    const keys = testSubscriptionKeys();
    const endpoint = 'https://fcm.googleapis.com/fcm/send/test-device-1';
    await fakePushManager(page, { endpoint, keys });
    server.calls.length = 0;
    await page.goto(`${server.origin}${WEB_PATHS.devices}`);
    const button = page.getByRole('button', { name: 'この端末で通知を受け取る' });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('[data-push-status]').textContent(), POLL)
      .toContain('この端末を登録しました');

    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call).toMatchObject({ method: 'POST', path: API_PATHS.pushSubscriptions, csrf: CSRF_TOKEN });
    expect(call?.body).toMatchObject({ endpoint, expirationTime: null, keys });
    expect((call?.body as { userAgent?: string } | undefined)?.userAgent).toMatch(/Chrome/);
    const usedKey = await page.evaluate(
      () => (window as unknown as { __kigenSubscribeKey: number[] }).__kigenSubscribeKey,
    );
    expect(Buffer.from(usedKey).toString('base64url')).toBe(VAPID_PUBLIC_KEY);
    // The new row is listed and marked as this device; the count follows.
    const row = page.locator(`[data-endpoint="${endpoint}"]`);
    await expect.poll(() => row.locator('[data-this-device]').isVisible(), POLL).toBe(true);
    expect(await page.locator('[data-device-count]').textContent()).toBe(
      String(devicesView().devices.length + 1),
    );
    // The service worker received the CSRF token for pushsubscriptionchange.
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const cache = await caches.open('kigen-sw-state');
            return (await cache.match('/__kigen/csrf-token'))?.text();
          }),
        POLL,
      )
      .toBe(CSRF_TOKEN);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('removes a device through the API with the CSRF header and takes its row away', async () => {
    const watched = await openContext(browser);
    const page = await watched.context.newPage();
    server.calls.length = 0;
    await page.goto(`${server.origin}${WEB_PATHS.devices}`);
    const first = devicesView().devices[0];
    if (!first) throw new Error('sample data has no device');
    const row = page.locator(`[data-endpoint="${first.endpoint}"]`);
    await row.getByRole('button', { name: /削除/ }).click();
    await expect.poll(() => row.count(), POLL).toBe(0);
    expect(server.calls).toEqual([
      {
        method: 'DELETE',
        path: API_PATHS.pushSubscriptions,
        csrf: CSRF_TOKEN,
        body: { endpoint: first.endpoint },
      },
    ]);
    expect(await page.locator('[data-device-count]').textContent()).toBe(
      String(devicesView().devices.length - 1),
    );
    expect(await page.locator('[data-push-status]').textContent()).toBe('端末を削除しました。');
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('explains a refused permission and does not call the API', async () => {
    const watched = await openContext(browser);
    const page = await watched.context.newPage();
    await fakePushManager(page, { endpoint: 'https://push.example/x', keys: testSubscriptionKeys() });
    await page.addInitScript(() => {
      Notification.requestPermission = async () => 'denied';
    });
    server.calls.length = 0;
    await page.goto(`${server.origin}${WEB_PATHS.devices}`);
    await page.getByRole('button', { name: 'この端末で通知を受け取る' }).click();
    await expect
      .poll(() => page.locator('[data-push-status]').textContent(), POLL)
      .toContain('通知がブロックされています');
    expect(server.calls).toEqual([]);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('says so when push is off on the server (the key endpoint answers 404)', async () => {
    const watched = await openContext(browser);
    await watched.context.grantPermissions(['notifications'], { origin: server.origin });
    const page = await watched.context.newPage();
    await fakePushManager(page, { endpoint: 'https://push.example/y', keys: testSubscriptionKeys() });
    server.setVapidPublicKey(null);
    server.calls.length = 0;
    try {
      await page.goto(`${server.origin}${WEB_PATHS.devices}`);
      await page.getByRole('button', { name: 'この端末で通知を受け取る' }).click();
      await expect
        .poll(() => page.locator('[data-push-status]').textContent(), POLL)
        .toContain('このサーバーではプッシュ通知が無効になっています');
    } finally {
      server.setVapidPublicKey(VAPID_PUBLIC_KEY);
    }
    expect(server.calls).toEqual([]);
    // The browser logs the 404 of the key endpoint itself; nothing else may appear.
    expect(watched.problems(/status of 404/)).toEqual([]);
    await watched.context.close();
  });

  it("shows kigen's push payload, delivered through CDP, as a notification that links to the office", async () => {
    const watched = await openContext(browser);
    await watched.context.grantPermissions(['notifications'], { origin: server.origin });
    const page = await watched.context.newPage();
    await page.goto(`${server.origin}${WEB_PATHS.home}`);
    const cdp = await watched.context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${server.origin}/` && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });

    const office = homeView().offices.find((o) => o.office.id === OFFICES.hidamari.id);
    if (!office) throw new Error('sample data has no hidamari office');
    const payload = buildPushPayload(
      {
        staffId: 'staff-1',
        email: 'yamada@hidamari.example.jp',
        fullName: '山田 太郎',
        channel: 'push',
        sections: [{ office: office.office, alerts: [...office.alerts] }],
      },
      10,
    );
    const shown = () =>
      page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        const list = await registration.getNotifications();
        return list.map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          data: n.data as { url?: string },
        }));
      });
    // A push delivered while the new worker is still activating can be dropped by Chromium (seen
    // once, on a loaded machine): deliver again if nothing is shown. The notification's tag
    // is per office, so a second delivery replaces the first and there is still exactly one.
    const id = await registrationId;
    for (let attempt = 0; attempt < 3 && (await shown()).length === 0; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.origin,
        registrationId: id,
        data: JSON.stringify(payload),
      });
      await expect
        .poll(async () => (await shown()).length, { timeout: 7_000, interval: 100 })
        .toBe(1)
        .catch(() => undefined);
    }
    expect(await shown()).toHaveLength(1);
    const [notification] = await shown();
    expect(notification?.title).toBe(`期限アラート（${OFFICES.hidamari.name}）`);
    expect(notification?.body).toBe('期限切れ: 2件、更新期限: 2件、アセスメント未完了: 2件');
    expect(notification?.tag).toBe(`kigen:${OFFICES.hidamari.id}`);
    expect(notification?.data.url).toBe(`/offices/${OFFICES.hidamari.id}`);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  // Chromium gives no way to click a notification or to renew a subscription, so these dispatch the
  // events inside the real worker; waitUntil (which refuses untrusted events) is collected instead.
  async function workerWithNotification(page: Page, origin: string) {
    await page.goto(`${origin}${WEB_PATHS.home}`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });
    // The page is controlled once the worker has claimed it.
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), POLL)
      .toBe(true);
    const worker = page
      .context()
      .serviceWorkers()
      .find((w) => w.url().endsWith('/sw.js'));
    if (!worker) throw new Error('service worker not running');
    await worker.evaluate(() => {
      const scope = self as unknown as { __pending: Promise<unknown>[] };
      scope.__pending = [];
      ExtendableEvent.prototype.waitUntil = function waitUntil(promise: Promise<unknown>) {
        scope.__pending.push(promise);
      };
    });
    return worker;
  }

  it('a click on the notification takes the open window to the office page', async () => {
    const watched = await openContext(browser);
    await watched.context.grantPermissions(['notifications'], { origin: server.origin });
    const page = await watched.context.newPage();
    const worker = await workerWithNotification(page, server.origin);
    const officeId = OFFICES.hidamari.id; // the test server has this office's page
    await worker.evaluate(async (id) => {
      const scope = self as unknown as ServiceWorkerGlobalScope & { __pending: Promise<unknown>[] };
      await scope.registration.showNotification('期限アラート', {
        tag: `kigen:${id}`,
        data: { type: 'deadline_alert', office_id: id, url: `/offices/${encodeURIComponent(id)}` },
      });
      const [notification] = await scope.registration.getNotifications();
      if (!notification) throw new Error('no notification');
      scope.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
      await Promise.all(scope.__pending);
    }, officeId);
    await expect.poll(() => page.url(), POLL).toBe(`${server.origin}/offices/${officeId}`);
    expect(await page.locator('h1').textContent()).toBe(`${OFFICES.hidamari.name}のアラート`);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });

  it('a renewed subscription is sent to the server with the CSRF token the page handed over, and the old one removed', async () => {
    const watched = await openContext(browser);
    const page = await watched.context.newPage();
    const worker = await workerWithNotification(page, server.origin);
    // push.js hands the token over on every signed-in page load; reload so it reaches the active worker.
    await page.reload();
    await expect
      .poll(
        () =>
          page.evaluate(async () =>
            (await (await caches.open('kigen-sw-state')).match('/__kigen/csrf-token'))?.text(),
          ),
        POLL,
      )
      .toBe(CSRF_TOKEN);
    server.calls.length = 0;
    const keys = testSubscriptionKeys();
    await worker.evaluate(async (k) => {
      const scope = self as unknown as ServiceWorkerGlobalScope & { __pending: Promise<unknown>[] };
      const subscription = (endpoint: string) => ({
        endpoint,
        toJSON: () => ({ endpoint, expirationTime: null, keys: k }),
      });
      const event = new ExtendableEvent('pushsubscriptionchange');
      Object.defineProperty(event, 'oldSubscription', { value: subscription('https://push.example/old') });
      Object.defineProperty(event, 'newSubscription', { value: subscription('https://push.example/new') });
      scope.dispatchEvent(event);
      await Promise.all(scope.__pending);
    }, keys);
    expect(server.calls).toEqual([
      {
        method: 'POST',
        path: API_PATHS.pushSubscriptions,
        csrf: CSRF_TOKEN,
        body: {
          endpoint: 'https://push.example/new',
          expirationTime: null,
          keys,
          userAgent: expect.stringMatching(/Chrome/),
        },
      },
      {
        method: 'DELETE',
        path: API_PATHS.pushSubscriptions,
        csrf: CSRF_TOKEN,
        body: { endpoint: 'https://push.example/old' },
      },
    ]);
    expect(watched.problems()).toEqual([]);
    await watched.context.close();
  });
});
