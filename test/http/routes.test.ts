// Every registered route × every kind of caller: who gets in, who is told 401/403/404. The test reads
// the routes the server registered, so a new route without an entry here fails it. Also: bodies
// from fast-check never produce a 500, and the committed openapi.json matches the routes.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../helpers/databases.ts';
import {
  type Harness,
  logProblems,
  type Persona,
  type Session,
  startHarness,
  validSubscriptionKeys,
} from './harness.ts';

type Caller = 'anonymous' | Persona;
const CALLERS: readonly Caller[] = [
  'anonymous',
  'employeeA',
  'managerA',
  'ownerA',
  'employeeB',
  'managerB',
  'admin',
];

interface RouteCase {
  access: 'public' | 'staff' | 'app_admin';
  /** The URL to call and its body, built from the harness's data. */
  request(h: Harness): { url: string; body?: unknown };
  /** Callers that are told the target does not exist (office or staff scoping). Default none. */
  hidden?: readonly Caller[];
  /** A web page: without a session it redirects to /sign-in; operator pages are 404 to others. */
  page?: true;
}

const alertsOfA: RouteCase = {
  access: 'staff',
  request: (h) => ({ url: `/api/v1/offices/${h.officeA}/alerts?date=2026-12-01` }),
  hidden: ['employeeB', 'managerB'],
};
// employeeA's preferences: their own, their managers' (same office) and app_admin's business only.
const prefsOfEmployeeA = (body?: unknown): RouteCase => ({
  access: 'staff',
  request: (h) => ({ url: `/api/v1/staff/${h.staff.employeeA.id}/preferences`, ...(body ? { body } : {}) }),
  hidden: ['employeeB', 'managerB'],
});

const page = (
  access: RouteCase['access'],
  url: (h: Harness) => string,
  extra: { body?: unknown; hidden?: readonly Caller[] } = {},
): RouteCase => ({
  access,
  page: true,
  request: (h) => ({ url: url(h), ...(extra.body === undefined ? {} : { body: extra.body }) }),
  ...(extra.hidden ? { hidden: extra.hidden } : {}),
});
const settingsForm = { email: 'on', push: 'on', emailThreshold: '10', pushThreshold: '20' };
const notManagersOfA = ['employeeA', 'employeeB', 'managerB'] as const;

const ROUTES: Record<string, RouteCase> = {
  'GET /static/app.css': { access: 'public', request: () => ({ url: '/static/app.css' }) },
  'GET /static/favicon.svg': { access: 'public', request: () => ({ url: '/static/favicon.svg' }) },
  'GET /static/push.js': { access: 'public', request: () => ({ url: '/static/push.js' }) },
  'GET /favicon.ico': { access: 'public', request: () => ({ url: '/favicon.ico' }) },
  'GET /sw.js': { access: 'public', request: () => ({ url: '/sw.js' }) },
  'GET /sign-in': page('public', () => '/sign-in'),
  'GET /sign-in/sent': page('public', () => '/sign-in/sent'),
  'POST /sign-in': page('public', () => '/sign-in', { body: { email: 'x@example.jp' } }),
  'POST /sign-out': page('staff', () => '/sign-out'),
  'GET /': page('staff', () => '/?date=2026-12-01'),
  'GET /offices/:officeId': page('staff', (h) => `/offices/${h.officeA}?date=2026-12-01`, {
    hidden: ['employeeB', 'managerB'],
  }),
  'GET /settings': page('staff', () => '/settings'),
  'POST /settings': page('staff', () => '/settings', { body: settingsForm }),
  'GET /devices': page('staff', () => '/devices'),
  'POST /devices/remove': page('staff', () => '/devices/remove', {
    body: { endpoint: 'https://fcm.googleapis.com/fcm/send/x' },
  }),
  'GET /offices/:officeId/staff': page('staff', (h) => `/offices/${h.officeA}/staff`, {
    hidden: notManagersOfA,
  }),
  'POST /offices/:officeId/staff/:staffId/preferences': page(
    'staff',
    (h) => `/offices/${h.officeA}/staff/${h.staff.employeeA.id}/preferences`,
    { body: settingsForm, hidden: notManagersOfA },
  ),
  'GET /admin/runs': page('app_admin', () => '/admin/runs'),
  'POST /admin/runs': page('app_admin', () => '/admin/runs', { body: { date: '2026-12-01' } }),
  'GET /admin/runs/:runId': page('app_admin', () => '/admin/runs/1'),
  'GET /admin/preview': page(
    'app_admin',
    (h) => `/admin/preview?staff=${h.staff.employeeA.id}&date=2026-12-01`,
  ),
  'GET /admin/preview/email.html': page(
    'app_admin',
    (h) => `/admin/preview/email.html?staff=${h.staff.employeeA.id}&date=2026-12-01`,
  ),
  'GET /admin/health': page('app_admin', () => '/admin/health'),
  'GET /healthz': { access: 'public', request: () => ({ url: '/healthz' }) },
  'GET /readyz': { access: 'public', request: () => ({ url: '/readyz' }) },
  'GET /openapi.json': { access: 'public', request: () => ({ url: '/openapi.json' }) },
  'GET /auth/sign-in': { access: 'public', request: () => ({ url: '/auth/sign-in' }) },
  'POST /auth/sign-in': {
    access: 'public',
    request: () => ({ url: '/auth/sign-in', body: { email: 'x@example.jp' } }),
  },
  'GET /auth/verify': { access: 'public', request: () => ({ url: '/auth/verify?token=abc' }) },
  'POST /auth/verify': { access: 'public', request: () => ({ url: '/auth/verify', body: { token: 'abc' } }) },
  'POST /auth/sign-out': { access: 'staff', request: () => ({ url: '/auth/sign-out' }) },
  'POST /auth/sign-out-everywhere': {
    access: 'staff',
    request: () => ({ url: '/auth/sign-out-everywhere' }),
  },
  'GET /api/v1/me': { access: 'staff', request: () => ({ url: '/api/v1/me' }) },
  'GET /api/v1/me/preferences': { access: 'staff', request: () => ({ url: '/api/v1/me/preferences' }) },
  'PUT /api/v1/me/preferences': {
    access: 'staff',
    request: () => ({ url: '/api/v1/me/preferences', body: { emailThresholdDays: 20 } }),
  },
  'GET /api/v1/staff/:staffId/preferences': prefsOfEmployeeA(),
  'PUT /api/v1/staff/:staffId/preferences': prefsOfEmployeeA({ pushThresholdDays: 20 }),
  'GET /api/v1/push/vapid-public-key': {
    access: 'public',
    request: () => ({ url: '/api/v1/push/vapid-public-key' }),
  },
  'GET /api/v1/me/push-subscriptions': {
    access: 'staff',
    request: () => ({ url: '/api/v1/me/push-subscriptions' }),
  },
  'POST /api/v1/me/push-subscriptions': {
    access: 'staff',
    request: () => ({
      url: '/api/v1/me/push-subscriptions',
      body: {
        endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
        keys: validSubscriptionKeys(),
      },
    }),
  },
  'DELETE /api/v1/me/push-subscriptions': {
    access: 'staff',
    request: () => ({
      url: '/api/v1/me/push-subscriptions',
      body: { endpoint: 'https://fcm.googleapis.com/fcm/send/x' },
    }),
  },
  'DELETE /api/v1/me/push-subscriptions/:subscriptionId': {
    access: 'staff',
    request: () => ({ url: `/api/v1/me/push-subscriptions/${randomUUID()}` }),
  },
  'GET /api/v1/me/api-tokens': { access: 'staff', request: () => ({ url: '/api/v1/me/api-tokens' }) },
  'POST /api/v1/me/api-tokens': {
    access: 'staff',
    request: () => ({ url: '/api/v1/me/api-tokens', body: { name: 'matrix' } }),
  },
  'DELETE /api/v1/me/api-tokens/:tokenId': {
    access: 'staff',
    request: () => ({ url: `/api/v1/me/api-tokens/${randomUUID()}` }),
  },
  'GET /api/v1/offices/:officeId/alerts': alertsOfA,
  'GET /api/v1/runs': { access: 'app_admin', request: () => ({ url: '/api/v1/runs' }) },
  'POST /api/v1/runs': {
    access: 'app_admin',
    request: () => ({ url: '/api/v1/runs', body: { date: '2026-12-01' } }),
  },
  'GET /api/v1/runs/:runId/deliveries': {
    access: 'app_admin',
    request: () => ({ url: '/api/v1/runs/1/deliveries' }),
  },
  'GET /api/v1/staff/:staffId/email-preview': {
    access: 'app_admin',
    request: (h) => ({ url: `/api/v1/staff/${h.staff.employeeA.id}/email-preview?date=2026-12-01` }),
  },
};

/** The answer a caller should get, as a predicate on the status. */
function expected(route: RouteCase, caller: Caller): { label: string; ok(status: number): boolean } {
  if (route.access !== 'public' && caller === 'anonymous')
    return route.page
      ? { label: '303 to sign-in', ok: (s) => s === 303 }
      : { label: '401', ok: (s) => s === 401 };
  if (route.access === 'app_admin' && caller !== 'admin')
    return route.page ? { label: '404', ok: (s) => s === 404 } : { label: '403', ok: (s) => s === 403 };
  if (route.hidden?.includes(caller)) return { label: '404', ok: (s) => s === 404 };
  // Allowed: anything but an auth refusal or a server error (a random id may be 404, a run 409).
  return {
    label: 'allowed',
    ok: (s) => s < 500 && s !== 401 && s !== 403 && (route.hidden ? s !== 404 : true),
  };
}

describe.each(testEngines())('routes on %s', (engine) => {
  let h: Harness;
  const sessions = new Map<Caller, Session>();
  beforeAll(async () => {
    h = await startHarness(engine);
    for (const c of CALLERS) if (c !== 'anonymous') sessions.set(c, await h.signIn(c));
  }, 240_000);
  afterAll(async () => {
    const problems = logProblems(h.logLines, h.secrets);
    await h.close();
    expect(problems).toEqual([]);
  });

  const call = (caller: Caller, method: string, url: string, body?: unknown) => {
    const s = sessions.get(caller);
    if (s) return s.request(method, url, body);
    return h.app.inject({
      method: method as 'GET',
      url,
      ...(body === undefined ? {} : { payload: body as object }),
    });
  };

  it('every registered route has an entry with the access it was registered with', () => {
    const registered = h.routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(Object.keys(ROUTES).sort());
    for (const r of h.routes)
      expect(r.access, `${r.method} ${r.url}`).toBe(ROUTES[`${r.method} ${r.url}`]?.access);
  });

  it('answers each caller as its role and memberships allow', async () => {
    const wrong: string[] = [];
    for (const [key, route] of Object.entries(ROUTES)) {
      const method = key.split(' ')[0] as string;
      for (const caller of CALLERS) {
        const { url, body } = route.request(h);
        const res = await call(caller, method, url, body);
        const want = expected(route, caller);
        if (!want.ok(res.statusCode))
          wrong.push(
            `${key} as ${caller}: ${res.statusCode}, expected ${want.label} (${res.body.slice(0, 120)})`,
          );
        // Signing out ends the caller's session(s): sign in again for the next routes.
        if (/^POST \/(auth\/)?sign-out/.test(key) && caller !== 'anonymous')
          sessions.set(caller, await h.signIn(caller));
      }
    }
    expect(wrong).toEqual([]);
  }, 240_000);

  it('never answers a generated body, query or id with a 500', async () => {
    const withInput = Object.entries(ROUTES).filter(([key]) => !key.startsWith('GET /healthz'));
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          email: fc.oneof(fc.string(), fc.emailAddress(), fc.jsonValue()),
          token: fc.oneof(fc.string(), fc.jsonValue()),
          endpoint: fc.oneof(fc.webUrl(), fc.string(), fc.constant('https://127.0.0.1/x')),
          keys: fc.oneof(fc.record({ p256dh: fc.string(), auth: fc.string() }), fc.jsonValue()),
          emailNotification: fc.jsonValue(),
          emailThresholdDays: fc.oneof(fc.integer(), fc.constantFrom(5, 10, 20, 30), fc.jsonValue()),
          date: fc.oneof(fc.string(), fc.constantFrom('2026-02-30', '2026-12-01', '0000-00-00')),
          name: fc.string({ maxLength: 300 }),
        },
        { requiredKeys: [] },
      ),
    );
    const segment = fc.oneof(
      fc.uuid(),
      fc.string({ minLength: 1, maxLength: 50 }).map(encodeURIComponent),
      fc.nat().map(String),
    );
    const query = fc.dictionary(
      fc.constantFrom('date', 'limit', 'after', 'status', 'channel', 'before', 'token'),
      fc.string(),
    );
    const failures: string[] = [];
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom(...withInput),
          fc.constantFrom<Caller>('anonymous', 'admin', 'managerA'),
          json,
          segment,
          query,
          async ([key], caller, body, seg, q) => {
            const method = key.split(' ')[0] as string;
            const path = (key.split(' ')[1] as string).replace(/:[A-Za-z]+/g, seg);
            if (/^\/(auth\/)?sign-out/.test(path) && caller !== 'anonymous') return; // keeps the sessions
            const url = `${path}?${new URLSearchParams(q).toString()}`;
            const res = await call(caller, method, url, method === 'GET' ? undefined : body);
            if (res.statusCode >= 500)
              failures.push(`${method} ${url} as ${caller}: ${res.statusCode} ${res.body.slice(0, 200)}`);
            return res.statusCode < 500;
          },
        ),
        { numRuns: 300, seed: 20261202 },
      )
      .catch(() => {});
    expect(failures).toEqual([]);
  }, 240_000);

  it('openapi.json in the repository is what the routes generate (UPDATE_OPENAPI=1 rewrites it)', async () => {
    const generated = `${JSON.stringify(h.app.swagger(), null, 2)}\n`;
    const file = new URL('../../openapi.json', import.meta.url);
    if (process.env.UPDATE_OPENAPI === '1') await writeFile(file, generated);
    const committed: unknown = JSON.parse(await readFile(file, 'utf8').catch(() => 'null'));
    // Compared as data: Biome formats the file.
    expect(
      committed,
      'openapi.json is out of date: UPDATE_OPENAPI=1 npx vitest run test/http/routes.test.ts',
    ).toEqual(JSON.parse(generated));
  });

  it('answers malformed JSON, a wrong content type and a too-large body with a 4xx', async () => {
    const admin = sessions.get('admin') as Session;
    const raw = (payload: string, contentType: string) =>
      h.app.inject({
        method: 'PUT',
        url: '/api/v1/me/preferences',
        cookies: { [admin.cookie]: admin.sessionId },
        headers: { 'x-csrf-token': admin.csrf, 'content-type': contentType },
        payload,
      });
    expect((await raw('{"emailNotification":', 'application/json')).statusCode).toBe(400);
    expect((await raw('x', 'text/xml')).statusCode).toBe(415);
    expect((await raw(JSON.stringify({ x: 'a'.repeat(70_000) }), 'application/json')).statusCode).toBe(413);
  });
});
