// The Web Push half of the daily run, end to end: runDaily over a real database (PGlite, and PostgreSQL
// when TEST_DATABASE_URL is set), the real push channel posting to the loopback push service (which
// decrypts each payload and checks VAPID), and the real email channel posting to the loopback SMTP sink.
import https from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, EmailMessage, PushMessage } from '../../src/channels/channel.ts';
import { createEmailChannel } from '../../src/channels/email/email-channel.ts';
import { createPushChannel } from '../../src/channels/push/push-channel.ts';
import { pushTopic } from '../../src/channels/push/push-payload.ts';
import { generateVapidKeys } from '../../src/channels/push/vapid.ts';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader, createRunStore } from '../../src/db/run-store.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { createLogger } from '../../src/logger.ts';
import { type DailyRunDeps, type DailyRunOptions, runDaily } from '../../src/run/daily-run.ts';
import type { Clock } from '../../src/run/limits.ts';
import type { PendingDelivery } from '../../src/run/ports.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { type PushService, type ReceivedPush, startPushService } from '../helpers/push-service.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-server.ts';
import { addDevice, addOffice, addRecipient, addStaff, type Device, RUN_DATE } from './push-fixtures.ts';

const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@kigen.example.jp' };
const logger = createLogger('silent');
const BACKOFF = { baseMs: 40, factor: 2, maxMs: 5_000, jitter: 'none' } as const;

/** A pinned clock: retry waits are recorded instead of slept (the token bucket is off: rate 0). */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => performance.now(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

function parseJson(value: unknown): Record<string, unknown> {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
}

describe.each(testEngines())('push deliveries of the daily run (%s)', (engine) => {
  let db: Db;
  let service: PushService;
  let sink: SmtpSink;
  let agent: https.Agent;
  let email: Channel<EmailMessage>;
  let push: Channel<PushMessage>;
  let clock: ReturnType<typeof recordingClock>;
  /** Lengths of service.requests and sink.messages when the test started. */
  let mark: { requests: number; mails: number };

  beforeAll(async () => {
    [db, service, sink] = await Promise.all([openTestDatabase(engine), startPushService(), startSmtpSink()]);
    agent = new https.Agent({ ca: service.ca, keepAlive: true });
    email = createEmailChannel({
      transport: { kind: 'smtp', url: sink.url, pool: { maxConnections: 2, maxMessages: 1000 } },
      from: 'kigen <noreply@kigen.example.jp>',
      appName: 'kigen',
      dashboardUrl: 'https://kigen.example.jp/dashboard',
      timeoutMs: 5_000,
    });
    push = createPushChannel({ vapid, agent, allowedAddresses: ['127.0.0.1'], timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await push?.close();
    await email?.close();
    agent?.destroy();
    await Promise.all([service?.close(), sink?.close()]);
    await db?.close();
  });

  beforeEach(async () => {
    await truncateAll(db);
    clock = recordingClock();
    mark = { requests: service.requests.length, mails: sink.messages.length };
  });

  const options = (over: Partial<DailyRunOptions> = {}): DailyRunOptions => ({
    runDate: RUN_DATE,
    scope: 'production',
    dryRun: false,
    force: false,
    chunkSize: 100,
    grouping: 'digest',
    closures: [],
    timeZone: 'Asia/Tokyo',
    concurrency: 4,
    ratePerSecond: 0,
    dailyQuota: 0,
    maxAttempts: 3,
    backoff: BACKOFF,
    outcomeBatch: { maxItems: 50, maxDelayMs: 10 },
    ...over,
  });

  const run = (over: Partial<DailyRunOptions> = {}, deps: Partial<DailyRunDeps> = {}) =>
    runDaily(options(over), {
      reader: createPlanReader(db, 'production'),
      store: createRunStore(db),
      channels: { email, push },
      logger,
      statements: () => db.stats.snapshot(),
      clock,
      ...deps,
    });

  /** Requests the push service received during this test, optionally for one device. */
  const requestsFor = (device?: Device): ReceivedPush[] =>
    service.requests
      .slice(mark.requests)
      .filter((r) => device === undefined || r.id === device.subscription.id);
  const deliveredTo = (device: Device): ReceivedPush[] =>
    requestsFor(device).filter((r) => r.status >= 200 && r.status <= 299);
  const mailsTo = (address: string) =>
    sink.messages.slice(mark.mails).filter((m) => m.envelope.to.includes(address));

  const pushRows = () =>
    db.k.selectFrom('deliveries').selectAll().where('channel', '=', 'push').orderBy('id').execute();
  const rowOf = async (device: Device) => {
    const rows = (await pushRows()).filter((r) => r.device === device.rowId);
    expect(rows).toHaveLength(1);
    return rows[0] as NonNullable<(typeof rows)[number]>;
  };
  const auditsOf = async (deliveryId: string) =>
    (
      await db.k
        .selectFrom('audit_logs')
        .selectAll()
        .where('target_id', '=', deliveryId)
        .orderBy('id')
        .execute()
    ).map((a) => ({ ...a, details: parseJson(a.details) }));
  const subscriptionIds = async () =>
    (await db.k.selectFrom('push_subscriptions').select('id').orderBy('id').execute()).map((r) => r.id);

  describe('who gets which push', () => {
    it('sends one push per device per office with alerts inside the push threshold, and none to staff with push off', async () => {
      const renewalOffice = await addOffice(db, 'ひまわり');
      await addRecipient(db, renewalOffice.id, 5); // inside threshold 10
      const overdueOffice = await addOffice(db, 'さくら');
      await addRecipient(db, overdueOffice.id, -2); // overdue: always kept
      const assessmentOffice = await addOffice(db, 'あおば');
      await addRecipient(db, assessmentOffice.id, null, false); // assessment missing: always kept
      const farOffice = await addOffice(db, 'もみじ');
      await addRecipient(db, farOffice.id, 25); // outside threshold 10: email only
      const offices = [renewalOffice, overdueOffice, assessmentOffice, farOffice].map((o) => o.id);

      const pushOn = await addStaff(db, { offices, pushDays: 10 });
      const laptop = await addDevice(db, service, pushOn.id);
      const phone = await addDevice(db, service, pushOn.id);
      const pushOff = await addStaff(db, { offices, push: false });
      const silent = await addDevice(db, service, pushOff.id); // subscribed once, then turned push off

      const summary = await run();

      const expected = [renewalOffice, overdueOffice, assessmentOffice].map((o) => o.id).sort();
      for (const device of [laptop, phone]) {
        const received = deliveredTo(device);
        expect(received).toHaveLength(3);
        expect(
          received.map((r) => (r.payload as { data: { office_id: string } }).data.office_id).sort(),
        ).toEqual(expected);
      }
      expect(requestsFor(silent)).toEqual([]);
      const rows = await pushRows();
      expect(rows.map((r) => `${r.device}/${r.office_key}/${r.status}`).sort()).toEqual(
        [laptop, phone].flatMap((d) => expected.map((o) => `${d.rowId}/${o}/sent`)).sort(),
      );
      expect(rows.every((r) => r.staff_id === pushOn.id && r.attempts === 1)).toBe(true);
      expect(summary.deliveries.push).toMatchObject({
        planned: 6,
        sent: 6,
        failed: 0,
        skipped: 0,
        attempts: 6,
      });
      expect(summary.push).toEqual({ enabled: true });
      // Email is evaluated on its own: both staff get their digest with all four offices.
      expect(mailsTo(pushOn.email)).toHaveLength(1);
      expect(mailsTo(pushOff.email)).toHaveLength(1);
    });

    it.each([
      [10, 0],
      [20, 1],
    ] as const)('a renewal 15 days out with push threshold %i gives %i push', async (pushDays, pushes) => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 15);
      const staff = await addStaff(db, { offices: [office.id], pushDays });
      const device = await addDevice(db, service, staff.id);

      const summary = await run();

      expect(deliveredTo(device)).toHaveLength(pushes);
      expect(requestsFor()).toHaveLength(pushes);
      expect(summary.deliveries.push.planned).toBe(pushes);
      expect(await pushRows()).toHaveLength(pushes);
      // The email threshold (30) keeps it either way.
      expect(mailsTo(staff.email)).toHaveLength(1);
    });

    it('gives a staff member with email off and push on their pushes and no email', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 3);
      const pushOnly = await addStaff(db, { offices: [office.id], email: false });
      const device = await addDevice(db, service, pushOnly.id);
      const both = await addStaff(db, { offices: [office.id] }); // control: the email path works

      const summary = await run();

      expect(deliveredTo(device)).toHaveLength(1);
      expect(mailsTo(pushOnly.email)).toEqual([]);
      expect(mailsTo(both.email)).toHaveLength(1);
      const emailRows = await db.k
        .selectFrom('deliveries')
        .select('staff_id')
        .where('channel', '=', 'email')
        .execute();
      expect(emailRows.map((r) => r.staff_id)).toEqual([both.id]);
      expect(summary.deliveries.push).toMatchObject({ planned: 1, sent: 1 });
      expect(summary.deliveries.email).toMatchObject({ planned: 1, sent: 1 });
    });
  });

  describe('what a push carries', () => {
    it('encrypts title, body and data for the office, with TTL, Urgency and one Topic per office', async () => {
      const urgent = await addOffice(db, '<b>ひまわり</b> & "さくら"');
      await addRecipient(db, urgent.id, -1); // overdue
      await addRecipient(db, urgent.id, 4); // renewal
      await addRecipient(db, urgent.id, null, false); // assessment
      await addRecipient(db, urgent.id, 8, false); // renewal and assessment
      const calm = await addOffice(db, 'あおば');
      await addRecipient(db, calm.id, 9);
      const staff = await addStaff(db, { offices: [urgent.id, calm.id], pushDays: 20 });
      const laptop = await addDevice(db, service, staff.id);
      const phone = await addDevice(db, service, staff.id);

      await run();

      const received = [...deliveredTo(laptop), ...deliveredTo(phone)];
      expect(received).toHaveLength(4);
      for (const r of received) {
        expect(r.problem).toBeUndefined();
        expect(r.vapid).toMatchObject({
          audience: service.origin,
          subject: vapid.subject,
          publicKey: vapid.publicKey,
        });
      }
      const forOffice = (id: string) =>
        received.filter((r) => (r.payload as { data: { office_id: string } }).data.office_id === id);
      const urgentPushes = forOffice(urgent.id);
      const calmPushes = forOffice(calm.id);
      expect(urgentPushes.map((r) => r.id).sort()).toEqual(
        [laptop.subscription.id, phone.subscription.id].sort(),
      );
      for (const r of urgentPushes) {
        expect(r.payload).toEqual({
          // Markup in an office name is shown, never interpreted: < > & become full-width (display-text.ts).
          title: '期限アラート（＜b＞ひまわり＜/b＞ ＆ "さくら"）',
          body: '期限切れ: 1件、更新期限: 2件、アセスメント未完了: 2件',
          data: {
            type: 'deadline_alert',
            office_id: urgent.id,
            office_name: '＜b＞ひまわり＜/b＞ ＆ "さくら"',
            renewal_count: 2,
            assessment_count: 2,
            overdue_count: 1,
            push_threshold_days: 20,
          },
        });
        expect(r.headers).toEqual({
          ttl: '86400',
          urgency: 'high',
          topic: pushTopic(urgent.id),
          contentEncoding: 'aes128gcm',
        });
      }
      expect(calmPushes).toHaveLength(2);
      for (const r of calmPushes) {
        expect(r.payload).toEqual({
          title: '期限アラート（あおば）',
          body: '更新期限: 1件、アセスメント未完了: 0件',
          data: {
            type: 'deadline_alert',
            office_id: calm.id,
            office_name: 'あおば',
            renewal_count: 1,
            assessment_count: 0,
            overdue_count: 0,
            push_threshold_days: 20,
          },
        });
        expect(r.headers).toMatchObject({ ttl: '86400', urgency: 'normal', topic: pushTopic(calm.id) });
      }
      // Same office → same topic on every device; two offices never share one.
      expect(new Set(urgentPushes.map((r) => r.headers.topic)).size).toBe(1);
      expect(new Set(calmPushes.map((r) => r.headers.topic)).size).toBe(1);
      expect(urgentPushes[0]?.headers.topic).not.toBe(calmPushes[0]?.headers.topic);
    });

    it('uses the configured TTL', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 2);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      const shortLived = createPushChannel({
        vapid,
        agent,
        allowedAddresses: ['127.0.0.1'],
        timeoutMs: 5_000,
        ttlSeconds: 3_600,
      });
      try {
        await run({}, { channels: { email, push: shortLived } });
      } finally {
        await shortLived.close();
      }
      expect(deliveredTo(device).map((r) => r.headers.ttl)).toEqual(['3600']);
    });
  });

  describe('what the push service answers', () => {
    it.each([404, 410])(
      '%i deletes exactly that subscription, skips the delivery with the code, audits it, and does not retry',
      async (status) => {
        const office = await addOffice(db);
        await addRecipient(db, office.id, -1);
        const staff = await addStaff(db, { offices: [office.id] });
        const gone = await addDevice(db, service, staff.id);
        const sameStaff = await addDevice(db, service, staff.id);
        const other = await addStaff(db, { offices: [office.id] });
        const otherDevice = await addDevice(db, service, other.id);
        service.script(gone.subscription.id, { status });

        const summary = await run();

        expect(requestsFor(gone).map((r) => r.status)).toEqual([status]);
        expect(deliveredTo(sameStaff)).toHaveLength(1);
        expect(deliveredTo(otherDevice)).toHaveLength(1);
        expect(await subscriptionIds()).toEqual([sameStaff.rowId, otherDevice.rowId].sort());
        const row = await rowOf(gone);
        expect(row).toMatchObject({
          status: 'skipped',
          attempts: 1,
          error_kind: 'permanent',
          error_code: `HTTP_${status}`,
          sent_at: null,
        });
        const audits = await auditsOf(String(row.id));
        expect(audits).toHaveLength(1);
        expect(audits[0]).toMatchObject({
          action: 'notification.push.gone',
          target_type: 'delivery',
          office_id: office.id,
          details: { code: `HTTP_${status}`, device: gone.rowId, attempt: 1 },
        });
        const deletion = await db.k
          .selectFrom('audit_logs')
          .select(['action', 'target_type', 'target_id'])
          .where('action', '=', 'push_subscription.deleted')
          .execute();
        expect(deletion).toEqual([
          { action: 'push_subscription.deleted', target_type: 'push_subscription', target_id: gone.rowId },
        ]);
        expect(clock.sleeps).toEqual([]);
        expect(summary.deliveries.push).toMatchObject({
          planned: 3,
          sent: 2,
          skipped: 1,
          failed: 0,
          attempts: 3,
        });
        expect(summary.status).toBe('completed');
        expect(summary.exitCode).toBe(0);
      },
    );

    it('keeps a gone subscription whose endpoint changed before the outcome was written', async () => {
      const office = await addOffice(db);
      const staff = await addStaff(db, { offices: [office.id] });
      const moved = await addDevice(db, service, staff.id);
      const stale = await addDevice(db, service, staff.id);
      const store = createRunStore(db);
      const { run: runRow } = await store.claim(RUN_DATE, 'production', 'test');
      const payload = (device: Device): PendingDelivery['payload'] => ({
        channel: 'push',
        notice: {
          staffId: staff.id,
          email: staff.email,
          fullName: '職員',
          channel: 'push',
          sections: [{ office, alerts: [] }],
        },
        subscription: {
          id: device.rowId,
          staffId: staff.id,
          endpoint: device.subscription.endpoint,
          p256dh: device.subscription.keys.p256dh,
          auth: device.subscription.keys.auth,
        },
        pushThresholdDays: 10,
      });
      const [movedDelivery, staleDelivery] = await store.insertDeliveries(
        runRow,
        [moved, stale].map((d) => ({
          staffId: staff.id,
          channel: 'push' as const,
          device: d.rowId,
          officeKey: office.id,
          payload: payload(d),
        })),
      );
      if (!movedDelivery || !staleDelivery) throw new Error('deliveries were not inserted');
      // The browser re-subscribed while the 410 was in flight: the row now holds a new endpoint.
      await db.k
        .updateTable('push_subscriptions')
        .set({ endpoint: `${moved.subscription.endpoint}-renewed` })
        .where('id', '=', moved.rowId)
        .execute();

      const goneOutcome = (id: string, device: Device) => ({
        id,
        status: 'skipped' as const,
        attempts: 1,
        errorKind: 'permanent' as const,
        errorCode: 'HTTP_410',
        goneSubscription: { id: device.rowId, endpoint: device.subscription.endpoint },
      });
      await store.recordOutcomes(
        [goneOutcome(movedDelivery.id, moved), goneOutcome(staleDelivery.id, stale)],
        [],
      );

      // The unchanged one is deleted (so the statement does delete); the renewed one stays.
      expect(await subscriptionIds()).toEqual([moved.rowId]);
      const statuses = await db.k.selectFrom('deliveries').select(['device', 'status']).execute();
      expect(statuses.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    });

    it('retries a 503 with backoff and then delivers it', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 1);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      service.script(device.subscription.id, { status: 503 }, { status: 201 });

      const summary = await run();

      expect(requestsFor(device).map((r) => r.status)).toEqual([503, 201]);
      expect(clock.sleeps).toEqual([BACKOFF.baseMs]); // the first backoff step, no jitter
      const row = await rowOf(device);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, error_code: null });
      const audits = await auditsOf(String(row.id));
      expect(audits.map((a) => [a.action, a.details.attempt, a.details.code])).toEqual([
        ['notification.push.failed_transient', 1, 'HTTP_503'],
        ['notification.push.sent', 2, undefined],
      ]);
      expect(summary.deliveries.push).toMatchObject({ planned: 1, sent: 1, failed: 0, attempts: 2 });
      expect(summary.exitCode).toBe(0);
    });

    it('waits as long as a 429 Retry-After asks, when that is longer than the backoff', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 1);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      service.script(device.subscription.id, { status: 429, headers: { 'Retry-After': '2' } });

      const summary = await run();

      expect(requestsFor(device).map((r) => r.status)).toEqual([429, 201]);
      expect(clock.sleeps).toEqual([2_000]);
      expect(await rowOf(device)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(summary.deliveries.push).toMatchObject({ sent: 1, attempts: 2 });
    });

    it('gives up on a transient failure at the attempt cap, and a rerun retries only that delivery', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 1);
      const staff = await addStaff(db, { offices: [office.id] });
      const flaky = await addDevice(db, service, staff.id);
      const fine = await addDevice(db, service, staff.id);
      service.script(flaky.subscription.id, { status: 503 }, { status: 503 }, { status: 503 });

      const first = await run();

      expect(requestsFor(flaky).map((r) => r.status)).toEqual([503, 503, 503]);
      expect(clock.sleeps).toEqual([BACKOFF.baseMs, BACKOFF.baseMs * BACKOFF.factor]);
      expect(await rowOf(flaky)).toMatchObject({
        status: 'failed',
        attempts: 3,
        error_kind: 'transient',
        error_code: 'HTTP_503',
      });
      expect(first.deliveries.push).toMatchObject({ sent: 1, failed: 1, attempts: 4 });
      expect(first.failures).toEqual([{ channel: 'push', kind: 'transient', code: 'HTTP_503', count: 3 }]);
      expect(first.exitCode).toBe(1);

      const second = await run();

      expect(second.resumed).toBe(true);
      expect(requestsFor(flaky).map((r) => r.status)).toEqual([503, 503, 503, 201]);
      expect(deliveredTo(fine)).toHaveLength(1);
      expect(await rowOf(flaky)).toMatchObject({ status: 'sent', attempts: 4 });
      expect(second.deliveries.push).toMatchObject({ sent: 1, attempts: 1, alreadyRecorded: 2 });
      expect(second.exitCode).toBe(0);
    });

    it('treats a 400 as permanent: one attempt, failed', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 1);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      service.script(device.subscription.id, { status: 400, body: 'BadTopic' });

      const summary = await run();

      expect(requestsFor(device).map((r) => r.status)).toEqual([400]);
      expect(clock.sleeps).toEqual([]);
      const row = await rowOf(device);
      expect(row).toMatchObject({
        status: 'failed',
        attempts: 1,
        error_kind: 'permanent',
        error_code: 'HTTP_400',
      });
      expect(row.error_reason).toContain('BadTopic');
      expect((await auditsOf(String(row.id))).map((a) => a.action)).toEqual([
        'notification.push.failed_permanent',
      ]);
      expect(await subscriptionIds()).toEqual([device.rowId]);
      expect(summary.deliveries.push).toMatchObject({ failed: 1, sent: 0, attempts: 1 });
      expect(summary.status).toBe('partial');

      // A permanent failure is not retried by a rerun either.
      await run();
      expect(requestsFor(device)).toHaveLength(1);
    });
    it('refuses at connect time a subscription whose host now resolves to loopback, and keeps it', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, 1);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      // Accepted once as a public name; its DNS now answers 127.0.0.1 (rebinding). No allowance here.
      const endpoint = new URL(device.subscription.endpoint);
      endpoint.hostname = 'push.rebind.example.com';
      await db.k
        .updateTable('push_subscriptions')
        .set({ endpoint: endpoint.toString() })
        .where('id', '=', device.rowId)
        .execute();
      const guarded = createPushChannel({
        vapid,
        agent,
        timeoutMs: 5_000,
        resolve: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
      });
      try {
        const summary = await run({}, { channels: { email, push: guarded } });
        expect(requestsFor(device)).toEqual([]);
        const row = await rowOf(device);
        expect(row).toMatchObject({
          status: 'failed',
          attempts: 1,
          error_kind: 'permanent',
          error_code: 'NON_PUBLIC_ADDRESS',
        });
        expect(row.error_reason).toBe(
          'push endpoint host push.rebind.example.com resolves to 127.0.0.1, which is not public (loopback 127.0.0.0/8); refused (DNS rebinding?)',
        );
        expect(await subscriptionIds()).toEqual([device.rowId]);
        expect(summary.deliveries.push).toMatchObject({ failed: 1, sent: 0, attempts: 1 });
      } finally {
        await guarded.close();
      }
    });
  });

  describe('runs', () => {
    it('a dry run counts pushes per device and sends and records nothing', async () => {
      const first = await addOffice(db);
      await addRecipient(db, first.id, 2);
      const second = await addOffice(db);
      await addRecipient(db, second.id, -4);
      const staff = await addStaff(db, { offices: [first.id, second.id] });
      await addDevice(db, service, staff.id);
      await addDevice(db, service, staff.id);
      await addDevice(db, service, staff.id);

      const summary = await run({ dryRun: true });

      expect(summary.mode).toBe('dry-run');
      expect(summary.deliveries.push).toMatchObject({ planned: 6, sent: 0, attempts: 0 });
      expect(summary.deliveries.email).toMatchObject({ planned: 1, sent: 0 });
      expect(requestsFor()).toEqual([]);
      expect(mailsTo(staff.email)).toEqual([]);
      expect(await db.k.selectFrom('deliveries').selectAll().execute()).toEqual([]);
      expect(await db.k.selectFrom('runs').selectAll().execute()).toEqual([]);
      expect(await db.k.selectFrom('audit_logs').selectAll().execute()).toEqual([]);
    });

    it('a rerun of the same date sends no push twice', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, -1);
      const staff = await addStaff(db, { offices: [office.id] });
      const laptop = await addDevice(db, service, staff.id);
      const phone = await addDevice(db, service, staff.id);

      const first = await run();
      expect(first.deliveries.push).toMatchObject({ planned: 2, sent: 2 });
      const afterFirst = requestsFor().length;
      expect(afterFirst).toBe(2);

      const second = await run();

      expect(second.resumed).toBe(true);
      expect(requestsFor()).toHaveLength(afterFirst);
      expect(deliveredTo(laptop)).toHaveLength(1);
      expect(deliveredTo(phone)).toHaveLength(1);
      expect(second.deliveries.push).toMatchObject({ planned: 2, alreadyRecorded: 2, sent: 0, attempts: 0 });
      expect(second.totals?.push).toEqual({ pending: 0, sent: 2, failed: 0, skipped: 0 });
      expect((await pushRows()).map((r) => [r.status, r.attempts])).toEqual([
        ['sent', 1],
        ['sent', 1],
      ]);
    });

    it('with push not configured plans no push, says why, and still sends email', async () => {
      const office = await addOffice(db);
      await addRecipient(db, office.id, -1);
      const staff = await addStaff(db, { offices: [office.id] });
      const device = await addDevice(db, service, staff.id);
      const reason = 'VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT are not set';

      const summary = await run({}, { channels: { email, push: null }, pushOffReason: reason });

      expect(summary.push).toEqual({ enabled: false, reason });
      expect(summary.deliveries.push).toMatchObject({ planned: 0, sent: 0 });
      expect(await pushRows()).toEqual([]);
      expect(requestsFor(device)).toEqual([]);
      expect(mailsTo(staff.email)).toHaveLength(1);
      expect(summary.exitCode).toBe(0);

      const unexplained = await run({ runDate: '2026-01-16' }, { channels: { email, push: null } });
      expect(unexplained.push).toEqual({ enabled: false, reason: 'not configured' });
    });
  });
});
