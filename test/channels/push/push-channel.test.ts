// The push channel against a real HTTPS push service on loopback (test/helpers/push-service.ts).
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPushChannel,
  type PushChannelOptions,
  PushConfigError,
  type PushDeliveryMessage,
} from '../../../src/channels/push/push-channel.ts';
import { pushTopic } from '../../../src/channels/push/push-payload.ts';
import { generateVapidKeys } from '../../../src/channels/push/vapid.ts';
import type { PushSubscriptionRecord } from '../../../src/domain/types.ts';
import { createTestSubscription, type PushService, startPushService } from '../../helpers/push-service.ts';
import { assessment, OFFICE, overdue, pushNotice, renewal } from './fixtures.ts';

const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@example.jp' };
/** The test push service listens on 127.0.0.1, which the channel refuses unless allowed. */
const LOOPBACK = ['127.0.0.1'];
let service: PushService;

beforeAll(async () => {
  service = await startPushService();
});
afterAll(async () => {
  await service?.close();
});

function channel(options: Partial<PushChannelOptions> = {}) {
  return createPushChannel({
    vapid,
    agent: service.agent,
    timeoutMs: 5_000,
    allowedAddresses: LOOPBACK,
    ...options,
  });
}

function record(endpoint: string, keys: { p256dh: string; auth: string }): PushSubscriptionRecord {
  return { id: 'sub-1', staffId: 'staff-1', endpoint, p256dh: keys.p256dh, auth: keys.auth };
}

function message(
  subscription = createTestSubscription(service),
  alerts = [renewal('山田 太郎', 4), assessment('田中 次郎')],
): PushDeliveryMessage {
  return {
    deliveryKey: `2026-01-15/staff-1/push/${subscription.id}`,
    runDate: '2026-01-15',
    subscription: record(subscription.endpoint, subscription.keys),
    notice: pushNotice(alerts),
    pushThresholdDays: 10,
  };
}

function subscriptionWith(...steps: Parameters<PushService['script']>[1][]) {
  const subscription = createTestSubscription(service);
  service.script(subscription.id, ...steps);
  return subscription;
}

describe('push channel delivery', () => {
  it('delivers an encrypted payload the subscriber can read, with VAPID, TTL, Urgency and Topic', async () => {
    const push = channel();
    const subscription = createTestSubscription(service);
    const outcome = await push.send(message(subscription));
    await push.close();

    expect(outcome).toMatchObject({ status: 'sent', providerId: expect.stringMatching(/\/message\//) });
    const [received] = service.delivered(subscription.id);
    expect(received?.problem).toBeUndefined();
    expect(received?.payload).toEqual({
      title: `期限アラート（${OFFICE.name}）`,
      body: '更新期限: 1件、アセスメント未完了: 1件',
      data: {
        type: 'deadline_alert',
        office_id: OFFICE.id,
        office_name: OFFICE.name,
        renewal_count: 1,
        assessment_count: 1,
        overdue_count: 0,
        push_threshold_days: 10,
      },
    });
    expect(received?.headers).toEqual({
      ttl: '86400',
      urgency: 'normal',
      topic: pushTopic(OFFICE.id),
      contentEncoding: 'aes128gcm',
    });
    expect(received?.vapid).toMatchObject({
      audience: service.origin,
      subject: vapid.subject,
      publicKey: vapid.publicKey,
    });
  });

  it('marks overdue notices high urgency, says overdue first, and uses the configured TTL', async () => {
    const push = channel({ ttlSeconds: 3600 });
    const subscription = createTestSubscription(service);
    const outcome = await push.send(message(subscription, [overdue('山田 太郎'), renewal('鈴木 一郎', 2)]));
    expect(outcome.status).toBe('sent');
    const [received] = service.delivered(subscription.id);
    expect(received?.headers).toMatchObject({ ttl: '3600', urgency: 'high' });
    expect(received?.payload).toMatchObject({
      body: '期限切れ: 1件、更新期限: 1件、アセスメント未完了: 0件',
      data: { overdue_count: 1, renewal_count: 1 },
    });
    await push.close();
  });

  it('sends many messages concurrently over one channel', async () => {
    const push = channel();
    const subscriptions = Array.from({ length: 20 }, () => createTestSubscription(service));
    const outcomes = await Promise.all(subscriptions.map((s) => push.send(message(s))));
    expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
    for (const s of subscriptions) expect(service.delivered(s.id)).toHaveLength(1);
    await push.close();
  });
});

describe('push channel outcomes', () => {
  it.each([404, 410])('%i means the subscription is gone', async (status) => {
    const push = channel();
    expect(await push.send(message(subscriptionWith({ status })))).toEqual({
      status: 'gone',
      code: `HTTP_${status}`,
    });
    await push.close();
  });

  it('an unknown subscription (unsubscribed browser) is gone', async () => {
    const push = channel();
    const subscription = createTestSubscription(service);
    service.unsubscribe(subscription.id);
    expect(await push.send(message(subscription))).toEqual({ status: 'gone', code: 'HTTP_404' });
    await push.close();
  });

  it('503 is transient, and the next attempt succeeds when the service recovers', async () => {
    const push = channel();
    const subscription = subscriptionWith({ status: 503, headers: { 'Retry-After': '7' } }, { status: 201 });
    expect(await push.send(message(subscription))).toMatchObject({
      status: 'failed',
      kind: 'transient',
      code: 'HTTP_503',
      retryAfterMs: 7_000,
    });
    expect(await push.send(message(subscription))).toMatchObject({ status: 'sent' });
    expect(service.requests.filter((r) => r.id === subscription.id).map((r) => r.status)).toEqual([503, 201]);
    await push.close();
  });

  it('429 is transient', async () => {
    const push = channel();
    expect(await push.send(message(subscriptionWith({ status: 429 })))).toMatchObject({
      status: 'failed',
      kind: 'transient',
      code: 'HTTP_429',
    });
    await push.close();
  });

  it('400 is permanent, with the service’s explanation in the reason', async () => {
    const push = channel();
    const outcome = await push.send(
      message(subscriptionWith({ status: 400, body: '{"reason":"BadTopic"}' })),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'HTTP_400' });
    expect(outcome.status === 'failed' && outcome.reason).toContain('BadTopic');
    await push.close();
  });

  it('a service that never answers gives a transient timeout within timeoutMs', async () => {
    const push = channel({ timeoutMs: 300 });
    const started = performance.now();
    const outcome = await push.send(message(subscriptionWith({ hang: true })));
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ status: 'failed', kind: 'transient', code: 'ETIMEDOUT' });
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1_500);
    await push.close();
  });

  it('a slow answer inside the deadline is still a success', async () => {
    const push = channel({ timeoutMs: 2_000 });
    expect(await push.send(message(subscriptionWith({ delayMs: 200 })))).toMatchObject({ status: 'sent' });
    await push.close();
  });

  it('the caller can abort a send', async () => {
    const push = channel();
    const controller = new AbortController();
    const sending = push.send(message(subscriptionWith({ hang: true })), controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(await sending).toMatchObject({ status: 'failed', kind: 'transient', code: 'ABORTED' });
    expect(await push.send(message(), AbortSignal.abort())).toMatchObject({ code: 'ABORTED' });
    await push.close();
  });

  it('a dropped connection is transient', async () => {
    const push = channel();
    expect(await push.send(message(subscriptionWith({ reset: true })))).toMatchObject({
      status: 'failed',
      kind: 'transient',
      code: 'ECONNRESET',
    });
    await push.close();
  });

  it('a refused connection is transient', async () => {
    const port = await freePort();
    const push = channel();
    const subscription = createTestSubscription(service);
    const outcome = await push.send(
      message({ ...subscription, endpoint: `https://127.0.0.1:${port}/push/x` }),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'transient', code: 'ECONNREFUSED' });
    await push.close();
  });

  it('verifies certificates by default: an untrusted push service is a permanent failure', async () => {
    const push = createPushChannel({ vapid, timeoutMs: 5_000, allowedAddresses: LOOPBACK });
    const subscription = createTestSubscription(service);
    const outcome = await push.send(message(subscription));
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent' });
    expect(outcome.status === 'failed' && outcome.code).toMatch(/SELF_SIGNED|CERT|VERIFY/);
    expect(service.requests.filter((r) => r.id === subscription.id)).toEqual([]);
    await push.close();
  });

  it('a subscription with broken keys fails permanently without a request', async () => {
    const push = channel();
    const subscription = createTestSubscription(service);
    const outcome = await push.send(
      message({ ...subscription, keys: { ...subscription.keys, p256dh: 'AAAA' } }),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'INVALID_SUBSCRIPTION' });
    expect(service.requests.filter((r) => r.id === subscription.id)).toEqual([]);
    await push.close();
  });

  it('a non-https endpoint fails permanently', async () => {
    const push = channel();
    const subscription = createTestSubscription(service);
    const outcome = await push.send(
      message({ ...subscription, endpoint: subscription.endpoint.replace('https', 'http') }),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'INVALID_ENDPOINT' });
    await push.close();
  });

  it('a notice with two offices is refused without throwing', async () => {
    const push = channel();
    const base = message();
    const notice = { ...base.notice, sections: [...base.notice.sections, ...base.notice.sections] };
    expect(await push.send({ ...base, notice })).toMatchObject({
      status: 'failed',
      kind: 'permanent',
      code: 'INVALID_NOTICE',
    });
    await push.close();
  });

  it('refuses to send after close', async () => {
    const push = channel();
    await push.close();
    expect(await push.send(message())).toMatchObject({
      status: 'failed',
      kind: 'fatal',
      code: 'CHANNEL_CLOSED',
    });
  });
});

describe('push channel configuration', () => {
  it('throws PushConfigError listing every problem', () => {
    const create = () =>
      createPushChannel({
        vapid: { ...vapid, subject: 'http://x', privateKey: 'short' },
        ttlSeconds: -1,
        timeoutMs: 0,
      });
    expect(create).toThrow(PushConfigError);
    try {
      create();
    } catch (error) {
      expect((error as PushConfigError).problems).toHaveLength(4);
    }
  });

  it('accepts a caller-owned agent and leaves it open on close', async () => {
    const agent = new https.Agent({ ca: service.ca });
    const push = createPushChannel({ vapid, agent, allowedAddresses: LOOPBACK });
    await push.close();
    const again = createPushChannel({ vapid, agent, allowedAddresses: LOOPBACK });
    expect(await again.send(message())).toMatchObject({ status: 'sent' });
    await again.close();
    agent.destroy();
  });
});

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
