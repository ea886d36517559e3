/// <reference lib="dom" />
// Shared by the browser tests: the widths, where screenshots go, the polling patience, and the
// PushManager fake (headless Chromium cannot reach a push service).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Chromium is slow on a shared 2-core machine: wait up to 20 s for what the page does in the background. */
export const POLL = { timeout: 20_000, interval: 100 };

export const WIDTHS = [
  { name: '375', viewport: { width: 375, height: 812 } },
  { name: '1280', viewport: { width: 1280, height: 900 } },
] as const;

/** KIGEN_SCREENSHOTS=1 writes the committed screenshots (docs/screenshots); otherwise a temp folder. */
export function screenshotDir(): string {
  return process.env.KIGEN_SCREENSHOTS === '1'
    ? path.resolve('docs/screenshots')
    : mkdtempSync(path.join(tmpdir(), 'kigen-screens-'));
}

/**
 * Replaces PushManager's subscribe and getSubscription with fakes that keep the subscription in
 * the page and record the applicationServerKey they were given.
 */
export function fakePushManager(
  page: Page,
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
) {
  return page.addInitScript((sub) => {
    const w = window as unknown as { __kigenSubscribeKey?: number[]; __kigenSubscribed?: boolean };
    const fake = {
      endpoint: sub.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true },
      toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
      unsubscribe: async () => {
        w.__kigenSubscribed = false;
        return true;
      },
    };
    PushManager.prototype.subscribe = async function subscribe(options?: PushSubscriptionOptionsInit) {
      const key = options?.applicationServerKey;
      w.__kigenSubscribeKey = key instanceof Uint8Array ? [...key] : [];
      w.__kigenSubscribed = true;
      return fake as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async function getSubscription() {
      return (w.__kigenSubscribed ? fake : null) as unknown as PushSubscription | null;
    };
  }, subscription);
}
