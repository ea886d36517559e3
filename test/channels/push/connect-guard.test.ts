// The push channel's connect-time check (DNS rebinding): an endpoint whose host is, or now resolves to, an
// address that is not public is refused before any connection, against the real loopback push service.
// Names resolve through the system resolver (localhost) or a test resolver standing in for a rebinding DNS.

import type { LookupAddress } from 'node:dns';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../../../src/channels/push/connect-guard.ts';
import {
  createPushChannel,
  type PushChannelOptions,
  PushConfigError,
  type PushDeliveryMessage,
} from '../../../src/channels/push/push-channel.ts';
import { generateVapidKeys } from '../../../src/channels/push/vapid.ts';
import { createTestSubscription, type PushService, startPushService } from '../../helpers/push-service.ts';
import { pushNotice, renewal } from './fixtures.ts';

const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@example.jp' };
let service: PushService;
let port: string;

beforeAll(async () => {
  service = await startPushService();
  port = new URL(service.origin).port;
});
afterAll(async () => {
  await service?.close();
});

/** A DNS that answers `addresses` for every name, and remembers what it was asked. */
function fakeDns(...addresses: string[]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = ((hostname, _options, callback) => {
    asked.push(hostname);
    const answer: LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    setImmediate(() => callback(null, answer));
  }) as Resolver & { asked: string[] };
  resolve.asked = asked;
  return resolve;
}

/** A message to the push service's subscription, its endpoint's host replaced by `host`. */
function messageVia(host: string | null): { message: PushDeliveryMessage; id: string } {
  const subscription = createTestSubscription(service);
  const url = new URL(subscription.endpoint);
  if (host !== null) url.host = `${host}:${port}`;
  return {
    id: subscription.id,
    message: {
      deliveryKey: `2026-01-15/staff-1/push/${subscription.id}`,
      runDate: '2026-01-15',
      subscription: {
        id: 'sub-1',
        staffId: 'staff-1',
        endpoint: url.toString(),
        p256dh: subscription.keys.p256dh,
        auth: subscription.keys.auth,
      },
      notice: pushNotice([renewal('山田 太郎', 4)]),
      pushThresholdDays: 10,
    },
  };
}

async function sendWith(options: Partial<PushChannelOptions>, message: PushDeliveryMessage) {
  const push = createPushChannel({ vapid, agent: service.agent, timeoutMs: 5_000, ...options });
  try {
    return await push.send(message);
  } finally {
    await push.close();
  }
}

const received = (id: string) => service.requests.filter((r) => r.id === id);

describe('push connect-time address check', () => {
  it('refuses an endpoint that names a loopback address, without the test allowance', async () => {
    const { message, id } = messageVia(null);
    expect(await sendWith({}, message)).toEqual({
      status: 'failed',
      kind: 'permanent',
      code: 'NON_PUBLIC_ADDRESS',
      reason: 'push endpoint address 127.0.0.1 is not public (loopback 127.0.0.0/8); refused',
    });
    expect(received(id)).toEqual([]);
    // The same endpoint with the allowance reaches the service.
    expect(await sendWith({ allowedAddresses: ['127.0.0.1'] }, message)).toMatchObject({ status: 'sent' });
    expect(received(id)).toHaveLength(1);
  });

  it('refuses a name the system resolver resolves to loopback (localhost), at connect time', async () => {
    const { message, id } = messageVia('localhost');
    const outcome = await sendWith({}, message);
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'NON_PUBLIC_ADDRESS' });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /^push endpoint host localhost resolves to (127\.0\.0\.1|::1), which is not public \(loopback/,
    );
    expect(received(id)).toEqual([]);
  });

  it.each([
    ['a private address', ['10.0.0.7'], 'resolves to 10.0.0.7, which is not public (private 10.0.0.0/8)'],
    [
      'cloud metadata',
      ['169.254.169.254'],
      'resolves to 169.254.169.254, which is not public (cloud metadata)',
    ],
    [
      'IPv4-mapped loopback',
      ['::ffff:127.0.0.1'],
      'resolves to ::ffff:127.0.0.1, which is not public (IPv4-mapped 127.0.0.1, loopback',
    ],
    [
      'a public and a loopback address',
      ['93.184.215.14', '127.0.0.1'],
      'resolves to 127.0.0.1, which is not public',
    ],
  ])(
    'refuses a public-looking name that now resolves to %s (DNS rebinding)',
    async (_what, answer, reason) => {
      const dns = fakeDns(...answer);
      const { message, id } = messageVia('push.rebind.example.com');
      const outcome = await sendWith({ resolve: dns }, message);
      expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'NON_PUBLIC_ADDRESS' });
      expect(outcome.status === 'failed' && outcome.reason).toContain(`push.rebind.example.com ${reason}`);
      expect(dns.asked).toEqual(['push.rebind.example.com']);
      expect(received(id)).toEqual([]);
    },
  );

  it('connects to the address the check saw: an allowed name reaches the service through the guarded lookup', async () => {
    // The name exists in no DNS: only the channel's lookup can take the request to 127.0.0.1. The service's
    // certificate names 127.0.0.1, so this agent skips the host name check (the CA is still verified).
    const agent = new https.Agent({ ca: service.ca, checkServerIdentity: () => undefined });
    try {
      const dns = fakeDns('127.0.0.1');
      const { message, id } = messageVia('push.allowed.example.com');
      const outcome = await sendWith({ agent, resolve: dns, allowedAddresses: ['127.0.0.0/8'] }, message);
      // It arrived: the service only refuses the VAPID audience, which names the host it does not know.
      expect(dns.asked).toEqual(['push.allowed.example.com']);
      expect(received(id)).toHaveLength(1);
      expect(outcome).toMatchObject({ status: 'failed', code: 'HTTP_401' });
      expect(outcome.status === 'failed' && outcome.reason).toContain(
        'aud https://push.allowed.example.com:',
      );
    } finally {
      agent.destroy();
    }
  });

  it('rejects allowed addresses that are not IP addresses or CIDR ranges', () => {
    expect(() =>
      createPushChannel({ vapid, allowedAddresses: ['10.0.0.0/33', 'push.example.com', '::1/64'] }),
    ).toThrow(PushConfigError);
    try {
      createPushChannel({ vapid, allowedAddresses: ['10.0.0.0/33', 'push.example.com', '::1/64'] });
    } catch (error) {
      expect((error as PushConfigError).problems).toEqual([
        'allowedAddresses: "10.0.0.0/33" is not an IP address or CIDR range (e.g. 10.20.0.5 or 10.20.0.0/16)',
        'allowedAddresses: "push.example.com" is not an IP address or CIDR range (e.g. 10.20.0.5 or 10.20.0.0/16)',
      ]);
    }
  });
});
