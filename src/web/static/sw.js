// @ts-check
/// <reference lib="webworker" />
// kigen's service worker (served at /sw.js with Cache-Control: no-cache, scope /). It shows kigen's
// push payload (src/channels/push/push-payload.ts: { title, body, data: { type, office_id, … } }) as a
// notification, opens the office's alerts page on click, and re-registers a renewed subscription.

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

const KEY_PATH = '/api/v1/push/vapid-public-key';
const SUBSCRIPTIONS_PATH = '/api/v1/me/push-subscriptions';
const STATE_CACHE = 'kigen-sw-state';
const CSRF_KEY = '/__kigen/csrf-token';

/**
 * @typedef {{ type?: string, office_id?: string, office_name?: string, overdue_count?: number, url?: string }} PayloadData
 * @typedef {{ title?: string, body?: string, data?: PayloadData }} Payload
 */

/**
 * The page a notification opens: the office's alerts, or the home page.
 * @param {PayloadData | undefined} data
 */
function targetPath(data) {
  if (data && typeof data.office_id === 'string' && data.office_id !== '') {
    return `/offices/${encodeURIComponent(data.office_id)}`;
  }
  return '/';
}

/** @param {PushEvent} event @returns {Payload} */
function readPayload(event) {
  if (!event.data) return {};
  try {
    const value = event.data.json();
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return { body: event.data.text() };
  }
}

sw.addEventListener('install', () => {
  void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('push', (event) => {
  const payload = readPayload(event);
  const data = payload.data ?? {};
  const title = typeof payload.title === 'string' && payload.title !== '' ? payload.title : '期限アラート';
  const urgent = typeof data.overdue_count === 'number' && data.overdue_count > 0;
  event.waitUntil(
    sw.registration.showNotification(title, {
      body: typeof payload.body === 'string' ? payload.body : '',
      // One notification per office: today's replaces yesterday's.
      tag: `kigen:${typeof data.office_id === 'string' ? data.office_id : 'all'}`,
      requireInteraction: urgent,
      lang: 'ja',
      data: { ...data, url: targetPath(data) },
    }),
  );
});

/**
 * Focus is allowed only while the click is being handled; a refused focus must not turn a done
 * navigation into a failure.
 * @param {WindowClient} client
 */
function focusQuietly(client) {
  return client.focus().catch(() => client);
}

/**
 * Focuses a window of ours already on the page, else takes one of ours there, else opens a new one.
 * @param {string} path
 */
async function openPage(path) {
  const url = new URL(path, sw.location.origin).href;
  // Only windows this worker controls can be navigated by it.
  const windows = await sw.clients.matchAll({ type: 'window' });
  const same = windows.find((client) => client.url === url);
  if (same) return focusQuietly(same);
  const any = windows.find((client) => client.focused) ?? windows[0];
  if (any) {
    const navigated = await any.navigate(url).catch(() => null);
    if (navigated) return focusQuietly(navigated);
  }
  return sw.clients.openWindow(url);
}

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = /** @type {PayloadData | undefined} */ (event.notification.data);
  // Only paths of this site: a payload never makes the worker open another origin.
  const path =
    data && typeof data.url === 'string' && /^\/(?![/\\])/.test(data.url) ? data.url : targetPath(data);
  event.waitUntil(openPage(path));
});

// The page hands over the session's CSRF token (push.js); keep it where a restarted worker finds it.
sw.addEventListener('message', (event) => {
  const message = /** @type {{ type?: string, token?: unknown }} */ (event.data ?? {});
  if (message.type !== 'kigen:csrf-token' || typeof message.token !== 'string') return;
  const token = message.token;
  event.waitUntil(caches.open(STATE_CACHE).then((cache) => cache.put(CSRF_KEY, new Response(token))));
});

async function storedCsrfToken() {
  const cache = await caches.open(STATE_CACHE);
  const response = await cache.match(CSRF_KEY);
  return response ? response.text() : '';
}

/**
 * @param {string} method
 * @param {unknown} body
 */
async function callSubscriptions(method, body) {
  return fetch(SUBSCRIPTIONS_PATH, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': await storedCsrfToken() },
    body: JSON.stringify(body),
  });
}

/**
 * The browser renewed (or dropped) the subscription: subscribe again with the server's key, send the
 * new one and remove the old. If the session has ended this fails; the devices page re-registers
 * the browser's subscription the next time it is opened.
 * @param {Event & { oldSubscription?: PushSubscription | null, newSubscription?: PushSubscription | null }} event
 */
async function resubscribe(event) {
  let subscription = event.newSubscription ?? null;
  if (!subscription) {
    const response = await fetch(KEY_PATH, { credentials: 'same-origin' });
    if (!response.ok) return;
    const { publicKey } = /** @type {{ publicKey: string }} */ (await response.json());
    subscription = await sw.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: publicKey,
    });
  }
  await callSubscriptions('POST', { ...subscription.toJSON(), userAgent: navigator.userAgent });
  const old = event.oldSubscription;
  if (old && old.endpoint !== subscription.endpoint)
    await callSubscriptions('DELETE', { endpoint: old.endpoint });
}

sw.addEventListener('pushsubscriptionchange', (event) => {
  const change =
    /** @type {ExtendableEvent & { oldSubscription?: PushSubscription | null, newSubscription?: PushSubscription | null }} */ (
      event
    );
  change.waitUntil(resubscribe(change));
});
