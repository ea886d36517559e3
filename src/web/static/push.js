// @ts-check
// kigen's one browser module: Web Push for "この端末で通知を受け取る" on the devices page, and on every
// signed-in page the hand-over of the session's CSRF token to the service worker (which needs it to
// re-register a subscription the browser renewed: pushsubscriptionchange). No build step: plain ES
// module, type-checked by tsc through JSDoc (src/web/static/tsconfig.push.json).

const SW_PATH = '/sw.js';
const KEY_PATH = '/api/v1/push/vapid-public-key';
const SUBSCRIPTIONS_PATH = '/api/v1/me/push-subscriptions';

/** @returns {string} the session's CSRF token from <meta name="csrf-token">, '' when absent. */
function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta?.getAttribute('content') ?? '';
}

function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/**
 * A JSON request to the API with the CSRF header.
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 */
function sendJson(method, path, body) {
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
    body: JSON.stringify(body),
  });
}

/**
 * base64url → bytes, for applicationServerKey.
 * @param {string} text
 */
function base64UrlToBytes(text) {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Thrown with a message for the user (Japanese). */
class PushSetupError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'PushSetupError';
  }
}

/** @returns {Promise<string>} the server's VAPID public key. */
async function fetchPublicKey() {
  const response = await fetch(KEY_PATH, { credentials: 'same-origin' });
  if (response.status === 404) {
    throw new PushSetupError(
      'このサーバーではプッシュ通知が無効になっています。運用管理者に連絡してください。',
    );
  }
  if (!response.ok)
    throw new PushSetupError(
      `サーバーに接続できませんでした（${response.status}）。時間をおいて再度お試しください。`,
    );
  const body = /** @type {{ publicKey?: unknown }} */ (await response.json());
  if (typeof body.publicKey !== 'string') throw new PushSetupError('サーバーの応答が正しくありません。');
  return body.publicKey;
}

/**
 * Sends a subscription to the server (upsert by endpoint).
 * @param {PushSubscription} subscription
 */
async function saveSubscription(subscription) {
  const response = await sendJson('POST', SUBSCRIPTIONS_PATH, {
    ...subscription.toJSON(),
    userAgent: navigator.userAgent,
  });
  if (response.status === 401 || response.status === 403) {
    throw new PushSetupError(
      'ログインの有効期限が切れました。ページを再読み込みしてから、もう一度お試しください。',
    );
  }
  if (!response.ok) throw new PushSetupError(`この端末を登録できませんでした（${response.status}）。`);
}

/** Gives the service worker the CSRF token, for pushsubscriptionchange. @param {ServiceWorkerRegistration} registration */
function handTokenToWorker(registration) {
  const worker = registration.active ?? registration.waiting ?? registration.installing;
  const token = csrfToken();
  if (worker && token) worker.postMessage({ type: 'kigen:csrf-token', token });
}

// ---------------------------------------------------------------- devices page

/**
 * @param {HTMLElement | null} status
 * @param {string} message
 * @param {'ok' | 'error'} [tone]
 */
function say(status, message, tone = 'ok') {
  if (!status) return;
  status.textContent = message;
  status.classList.toggle('bad-text', tone === 'error');
}

/** Marks the row of this browser's subscription ("この端末"). @param {string | null} endpoint */
function markThisDevice(endpoint) {
  for (const row of document.querySelectorAll('[data-endpoint]')) {
    const badge = row.querySelector('[data-this-device]');
    if (badge instanceof HTMLElement) badge.hidden = row.getAttribute('data-endpoint') !== endpoint;
  }
}

function updateCount() {
  const count = document.querySelectorAll('[data-device-list] [data-endpoint]').length;
  const counter = document.querySelector('[data-device-count]');
  if (counter) counter.textContent = String(count);
  const empty = document.querySelector('[data-device-empty]');
  if (empty instanceof HTMLElement) empty.hidden = count > 0;
}

/**
 * Adds the row of a new subscription, with a remove form like the server renders.
 * @param {string} endpoint
 */
function addDeviceRow(endpoint) {
  const list = document.querySelector('[data-device-list]');
  if (!list || list.querySelector(`[data-endpoint="${CSS.escape(endpoint)}"]`)) return;
  const item = document.createElement('li');
  item.className = 'device';
  item.dataset.endpoint = endpoint;
  const info = document.createElement('div');
  info.className = 'device-info';
  const name = document.createElement('strong');
  name.textContent = 'このブラウザ';
  const badge = document.createElement('span');
  badge.className = 'badge badge-info';
  badge.dataset.thisDevice = '';
  badge.textContent = 'この端末';
  const when = document.createElement('span');
  when.className = 'muted';
  when.textContent = 'たった今登録';
  info.append(name, ' ', badge, when);
  const form = document.createElement('form');
  form.method = 'post';
  form.action = '/devices/remove';
  form.dataset.pushRemove = '';
  const csrf = document.createElement('input');
  csrf.type = 'hidden';
  csrf.name = '_csrf';
  csrf.value = csrfToken();
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = 'endpoint';
  field.value = endpoint;
  const button = document.createElement('button');
  button.type = 'submit';
  button.className = 'button-danger';
  button.textContent = '削除';
  form.append(csrf, field, button);
  item.append(info, form);
  list.append(item);
  updateCount();
}

/**
 * The click handler: permission (from the click), key, subscribe, save.
 * @param {HTMLButtonElement} button
 * @param {HTMLElement | null} status
 */
async function subscribeThisDevice(button, status) {
  button.disabled = true;
  say(status, '登録しています…');
  try {
    const registration = await navigator.serviceWorker.register(SW_PATH);
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      throw new PushSetupError(
        permission === 'denied'
          ? '通知がブロックされています。ブラウザのアドレスバーのサイト設定で「通知」を許可してから、もう一度押してください。'
          : '通知が許可されませんでした。もう一度押して「許可」を選んでください。',
      );
    }
    const publicKey = await fetchPublicKey();
    const ready = await navigator.serviceWorker.ready;
    const subscription = await ready.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(publicKey),
    });
    await saveSubscription(subscription);
    handTokenToWorker(registration);
    addDeviceRow(subscription.endpoint);
    markThisDevice(subscription.endpoint);
    say(status, 'この端末を登録しました。期限のお知らせがこのブラウザに届きます。');
  } catch (error) {
    const message =
      error instanceof PushSetupError
        ? error.message
        : `登録できませんでした: ${error instanceof Error ? error.message : String(error)}`;
    say(status, message, 'error');
  } finally {
    button.disabled = false;
  }
}

/**
 * Removes a device through the API (and unsubscribes this browser when it is its own row); without
 * JavaScript the same form posts to the server.
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} status
 */
async function removeDevice(form, status) {
  const endpoint = new FormData(form).get('endpoint');
  if (typeof endpoint !== 'string') return;
  const response = await sendJson('DELETE', SUBSCRIPTIONS_PATH, { endpoint });
  if (!response.ok) {
    say(status, `削除できませんでした（${response.status}）。ページを再読み込みしてください。`, 'error');
    return;
  }
  const registration = await navigator.serviceWorker.getRegistration();
  const own = await registration?.pushManager.getSubscription();
  if (own && own.endpoint === endpoint) await own.unsubscribe();
  form.closest('[data-endpoint]')?.remove();
  updateCount();
  say(status, '端末を削除しました。');
}

async function setUpDevicesPage() {
  const button = document.querySelector('[data-push-subscribe]');
  const status = document.querySelector('[data-push-status]');
  const statusEl = status instanceof HTMLElement ? status : null;
  if (!(button instanceof HTMLButtonElement)) return;
  if (!pushSupported()) {
    say(
      statusEl,
      'このブラウザはプッシュ通知に対応していません。iPhone・iPad ではホーム画面に追加してから開いてください。',
      'error',
    );
    return;
  }
  button.hidden = false;
  button.addEventListener('click', () => void subscribeThisDevice(button, statusEl));
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-push-remove')) return;
    event.preventDefault();
    void removeDevice(form, statusEl);
  });
  if (Notification.permission === 'denied') {
    say(statusEl, '通知がブロックされています。ブラウザのサイト設定で「通知」を許可してください。', 'error');
  }
  const registration = await navigator.serviceWorker.getRegistration();
  const own = await registration?.pushManager.getSubscription();
  if (!own) return;
  markThisDevice(own.endpoint);
  // The browser holds a subscription the server does not list (removed elsewhere, or renewed while
  // signed out): register it again, since the user had allowed notifications here.
  if (
    !document.querySelector(`[data-endpoint="${CSS.escape(own.endpoint)}"]`) &&
    Notification.permission === 'granted'
  ) {
    try {
      await saveSubscription(own);
      addDeviceRow(own.endpoint);
      markThisDevice(own.endpoint);
    } catch (error) {
      say(statusEl, error instanceof Error ? error.message : String(error), 'error');
    }
  }
}

async function main() {
  if ('serviceWorker' in navigator) {
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration) handTokenToWorker(registration);
  }
  await setUpDevicesPage();
}

void main();
