// The /api/v1 use cases through the real server: preferences, push subscriptions, alerts, runs,
// preview, health. PGlite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/db/migrate.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { planChunks } from '../../src/run/plan.ts';
import { testEngines } from '../helpers/databases.ts';
import { type Harness, logProblems, type Session, startHarness, validSubscriptionKeys } from './harness.ts';

describe.each(testEngines())('API on %s', (engine) => {
  let h: Harness;
  let employeeA: Session;
  let managerA: Session;
  let admin: Session;
  beforeAll(async () => {
    h = await startHarness(engine);
    employeeA = await h.signIn('employeeA');
    managerA = await h.signIn('managerA');
    admin = await h.signIn('admin');
  }, 240_000);
  afterAll(async () => {
    const problems = logProblems(h.logLines, h.secrets);
    await h.close();
    expect(problems).toEqual([]);
  });

  describe('preferences', () => {
    it('reads and partly updates my own, with an audit row before → after', async () => {
      const before = (await employeeA.request('GET', '/api/v1/me/preferences')).json();
      expect(before).toEqual({
        emailNotification: true,
        systemNotification: false,
        inAppNotification: true,
        emailThresholdDays: 30,
        pushThresholdDays: 10,
      });
      const res = await employeeA.request('PUT', '/api/v1/me/preferences', {
        systemNotification: true,
        pushThresholdDays: 5,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...before, systemNotification: true, pushThresholdDays: 5 });
      const audit = await h.db.k
        .selectFrom('audit_logs')
        .select(['actor_id', 'details'])
        .where('action', '=', 'preferences.updated')
        .where('target_id', '=', h.staff.employeeA.id)
        .execute();
      const details = audit.map((a) => (typeof a.details === 'string' ? JSON.parse(a.details) : a.details));
      expect(details).toContainEqual({
        before,
        after: { ...before, systemNotification: true, pushThresholdDays: 5 },
      });
    });

    it('lists every problem, and writes nothing, for a bad update', async () => {
      const res = await employeeA.request('PUT', '/api/v1/me/preferences', {
        emailThresholdDays: 7,
        pushThresholdDays: '10',
        colour: 'blue',
      });
      expect(res.statusCode).toBe(400);
      const problems = res.json().error.problems as string[];
      expect(problems.length).toBeGreaterThanOrEqual(3);
      expect(problems.join('\n')).toMatch(/emailThresholdDays/);
      expect(problems.join('\n')).toMatch(/pushThresholdDays/);
      expect(problems.join('\n')).toMatch(/colour/);
      const off = await employeeA.request('PUT', '/api/v1/me/preferences', {
        emailNotification: false,
        systemNotification: false,
        inAppNotification: false,
      });
      expect(off.statusCode).toBe(422);
      expect(off.json().error.problems).toEqual([
        'at least one of emailNotification, systemNotification, inAppNotification must be on',
      ]);
      expect((await employeeA.request('GET', '/api/v1/me/preferences')).json().emailNotification).toBe(true);
    });

    it("lets a manager of a shared office change a staff member's preferences, and records who did", async () => {
      const res = await managerA.request('PUT', `/api/v1/staff/${h.staff.employeeA.id}/preferences`, {
        emailThresholdDays: 10,
      });
      expect(res.statusCode).toBe(200);
      const row = await h.db.k
        .selectFrom('audit_logs')
        .select('actor_id')
        .where('action', '=', 'preferences.updated')
        .where('target_id', '=', h.staff.employeeA.id)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(row.actor_id).toBe(h.staff.managerA.id);
      expect(
        (await employeeA.request('GET', `/api/v1/staff/${h.staff.managerA.id}/preferences`)).statusCode,
      ).toBe(404);
      expect((await admin.request('GET', `/api/v1/staff/${randomUUID()}/preferences`)).statusCode).toBe(404);
    });
  });

  describe('push subscriptions', () => {
    const SSRF: ReadonlyArray<readonly [string, RegExp]> = [
      ['http://fcm.googleapis.com/fcm/send/x', /https/],
      ['https://127.0.0.1/push', /loopback/],
      ['https://[::1]/push', /loopback/],
      ['https://169.254.169.254/latest', /metadata/],
      ['https://10.0.0.8/push', /private/],
      ['https://192.168.1.1/push', /private/],
      ['https://0x7f000001/push', /loopback/],
      ['https://[::ffff:10.0.0.1]/push', /IPv4-mapped/],
      ['https://localhost/push', /loopback/],
      ['https://push.internal/x', /private-use/],
      ['https://metadata.google.internal/x', /metadata/],
      ['https://user:pw@fcm.googleapis.com/x', /credentials/],
      ['https://fcm.googleapis.com:8443/x', /port/],
      ['file:///etc/passwd', /https/],
    ];
    it.each(SSRF)('refuses %s with 422 and the reason', async (endpoint, reason) => {
      const res = await employeeA.request('POST', '/api/v1/me/push-subscriptions', {
        endpoint,
        keys: validSubscriptionKeys(),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.problems.join('\n')).toMatch(reason);
    });

    it('refuses bad keys, listing each problem', async () => {
      const res = await employeeA.request('POST', '/api/v1/me/push-subscriptions', {
        endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
        keys: { p256dh: 'AAAA', auth: '!!' },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.problems).toHaveLength(2);
    });

    it('creates, lists, re-subscribes and deletes my own, and caps the number per staff member', async () => {
      const endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`;
      const created = await managerA.request('POST', '/api/v1/me/push-subscriptions', {
        endpoint,
        keys: validSubscriptionKeys(),
        userAgent: 'Firefox',
      });
      expect(created.statusCode).toBe(201);
      const again = await managerA.request('POST', '/api/v1/me/push-subscriptions', {
        endpoint,
        keys: validSubscriptionKeys(),
      });
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(created.json().id);
      const list = (await managerA.request('GET', '/api/v1/me/push-subscriptions')).json().subscriptions;
      expect(list).toEqual([expect.objectContaining({ id: created.json().id, endpoint })]);
      expect(JSON.stringify(list)).not.toMatch(/p256dh|auth/);
      // Someone else cannot delete it, by id or by endpoint.
      expect(
        (await employeeA.request('DELETE', `/api/v1/me/push-subscriptions/${created.json().id}`)).statusCode,
      ).toBe(404);
      expect(
        (await employeeA.request('DELETE', '/api/v1/me/push-subscriptions', { endpoint })).statusCode,
      ).toBe(204);
      expect(
        (await managerA.request('GET', '/api/v1/me/push-subscriptions')).json().subscriptions,
      ).toHaveLength(1);
      for (let i = 1; i < 10; i++) {
        const r = await managerA.request('POST', '/api/v1/me/push-subscriptions', {
          endpoint: `https://updates.push.services.mozilla.com/wpush/v2/${randomUUID()}`,
          keys: validSubscriptionKeys(),
        });
        expect(r.statusCode).toBe(201);
      }
      const eleventh = await managerA.request('POST', '/api/v1/me/push-subscriptions', {
        endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`,
        keys: validSubscriptionKeys(),
      });
      expect(eleventh.statusCode).toBe(409);
      expect(eleventh.json().error.code).toBe('PUSH_SUBSCRIPTION_CAP');
      expect(
        (await managerA.request('DELETE', '/api/v1/me/push-subscriptions', { endpoint })).statusCode,
      ).toBe(204);
      expect(
        (await managerA.request('GET', '/api/v1/me/push-subscriptions')).json().subscriptions,
      ).toHaveLength(9);
      const audit = await h.db.k
        .selectFrom('audit_logs')
        .select(['action', 'details'])
        .where('actor_id', '=', h.staff.managerA.id)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['push_subscription.created', 'push_subscription.deleted']),
      );
      expect(JSON.stringify(audit)).not.toContain(endpoint);
    });

    it('gives the VAPID public key only when push is on', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/api/v1/push/vapid-public-key' })).statusCode).toBe(
        404,
      );
    });
  });

  describe('alerts', () => {
    it("gives an office's alerts exactly as the daily run plans them", async () => {
      const res = await employeeA.request('GET', `/api/v1/offices/${h.officeA}/alerts?date=2026-12-01`);
      expect(res.statusCode).toBe(200);
      const reader = createPlanReader(h.db, 'production');
      let planned: unknown;
      for await (const chunk of planChunks(reader, {
        runDate: '2026-12-01',
        chunkSize: 100,
        grouping: 'digest',
        push: false,
      })) {
        planned ??= chunk.alertsByOffice.get(h.officeA);
      }
      expect(res.json().alerts).toEqual(planned);
      expect(res.json().alerts.map((a: { type: string }) => a.type)).toEqual([
        'renewal_overdue',
        'renewal_deadline',
      ]);
      expect(
        (await employeeA.request('GET', `/api/v1/offices/${h.officeB}/alerts?date=2026-12-01`)).statusCode,
      ).toBe(404);
      expect(
        (await admin.request('GET', `/api/v1/offices/${h.officeB}/alerts?date=2026-12-01`)).json().alerts,
      ).toHaveLength(1);
      expect((await admin.request('GET', `/api/v1/offices/${randomUUID()}/alerts`)).statusCode).toBe(404);
      const bad = await admin.request('GET', `/api/v1/offices/${h.officeA}/alerts?date=2026-02-30`);
      expect(bad.statusCode).toBe(400);
    });

    it("reads only that office: one statement after the session's principal", async () => {
      h.db.stats.reset();
      const res = await employeeA.request('GET', `/api/v1/offices/${h.officeA}/alerts?date=2026-12-01`);
      expect(res.statusCode).toBe(200);
      expect(h.db.stats.snapshot()).toMatchObject({ read: 2, write: 0 });
    });

    it("with an API token, one statement a request once the token's principal is known", async () => {
      const created = await employeeA.request('POST', '/api/v1/me/api-tokens', { name: 'alerts script' });
      const { token } = created.json() as { token: string };
      h.secrets.add(token);
      const get = () =>
        h.app.inject({
          method: 'GET',
          url: `/api/v1/offices/${h.officeA}/alerts?date=2026-12-01`,
          headers: { authorization: `Bearer ${token}` },
        });
      h.db.stats.reset();
      expect((await get()).statusCode).toBe(200);
      expect(h.db.stats.snapshot().read).toBe(2);
      h.db.stats.reset();
      for (let i = 0; i < 5; i++) expect((await get()).statusCode).toBe(200);
      expect(h.db.stats.snapshot()).toMatchObject({ read: 5, write: 0 });
    });
  });

  describe('runs and preview (app_admin)', () => {
    it('starts a run for a date in the background, and refuses a second while it runs', async () => {
      const res = await admin.request('POST', '/api/v1/runs', { date: '2026-12-01' });
      expect(res.statusCode).toBe(202);
      await new Promise((r) => setTimeout(r, 20));
      expect(h.runs).toContain('2026-12-01');
      const audit = await h.db.k
        .selectFrom('audit_logs')
        .select(['actor_id', 'target_id'])
        .where('action', '=', 'run.requested')
        .execute();
      expect(audit).toEqual([{ actor_id: h.staff.admin.id, target_id: '2026-12-01' }]);
      const bad = await admin.request('POST', '/api/v1/runs', { date: '2026-13-01', force: 'yes' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.problems).toHaveLength(2);
    });

    it("lists runs and a run's deliveries with masked addresses and keyset paging", async () => {
      const run = await h.db.k
        .insertInto('runs')
        .values({ run_date: '2026-11-30', scope: 'production', status: 'completed', started_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      const staffIds = [h.staff.employeeA, h.staff.managerA, h.staff.ownerA];
      await h.db.k
        .insertInto('deliveries')
        .values(
          staffIds.map((s, i) => ({
            run_id: String(run.id),
            run_date: '2026-11-30',
            staff_id: s.id,
            channel: 'email',
            device: '',
            office_key: '',
            status: i === 1 ? 'failed' : 'sent',
            error_kind: i === 1 ? 'permanent' : null,
            payload: JSON.stringify({ channel: 'email', notice: { email: s.email } }),
          })),
        )
        .execute();
      const runs = (await admin.request('GET', '/api/v1/runs')).json().runs;
      expect(runs[0]).toMatchObject({ id: String(run.id), runDate: '2026-11-30', status: 'completed' });
      const page1 = (await admin.request('GET', `/api/v1/runs/${run.id}/deliveries?limit=2`)).json();
      expect(page1.deliveries).toHaveLength(2);
      expect(page1.next).toBe(page1.deliveries[1].id);
      const page2 = (
        await admin.request('GET', `/api/v1/runs/${run.id}/deliveries?limit=2&after=${page1.next}`)
      ).json();
      expect(page2.deliveries).toHaveLength(1);
      expect(page2.next).toBeNull();
      const all = [...page1.deliveries, ...page2.deliveries];
      expect(all.map((d: { staffId: string }) => d.staffId)).toEqual(staffIds.map((s) => s.id));
      for (const d of all) expect(d.email).toMatch(/^.\*\*\*@/);
      expect(JSON.stringify(all)).not.toContain(h.staff.employeeA.email);
      const failed = (
        await admin.request('GET', `/api/v1/runs/${run.id}/deliveries?status=failed&channel=email`)
      ).json();
      expect(failed.deliveries.map((d: { staffId: string }) => d.staffId)).toEqual([h.staff.managerA.id]);
      expect((await admin.request('GET', '/api/v1/runs/999999/deliveries')).statusCode).toBe(404);
    });

    it("renders a staff member's email as the run would send it", async () => {
      const res = await admin.request(
        'GET',
        `/api/v1/staff/${h.staff.ownerA.id}/email-preview?date=2026-12-01`,
      );
      expect(res.statusCode).toBe(200);
      const { email } = res.json();
      expect(email.subject).toContain('【至急】');
      expect(email.text).toContain('安藤 一郎');
      const none = await admin.request(
        'GET',
        `/api/v1/staff/${h.staff.admin.id}/email-preview?date=2026-12-01`,
      );
      expect(none.json().email).toBeNull();
    });
  });

  describe('health', () => {
    it('is live and ready; not ready when the schema is behind', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await h.db.k
        .deleteFrom('kysely_migration' as never)
        .where('name' as never, '=', SCHEMA_VERSION as never)
        .execute();
      try {
        const res = await h.app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json().problems[0]).toMatch(/kigen migrate/);
      } finally {
        await h.db.k
          .insertInto('kysely_migration' as never)
          .values({ name: SCHEMA_VERSION, timestamp: new Date().toISOString() } as never)
          .execute();
      }
    });
  });
});
