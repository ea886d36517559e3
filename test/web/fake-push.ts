/// <reference lib="dom" />
// Headless Chromium cannot reach a push service: the browser tests replace PushManager.
import type { Page } from 'playwright-core';

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
