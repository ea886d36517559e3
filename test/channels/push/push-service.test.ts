// The test push service must refuse what a real one refuses, or the channel tests could not fail.
import { createECDH } from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSubscription, type PushService, startPushService } from '../../helpers/push-service.ts';

let service: PushService;

beforeAll(async () => {
  service = await startPushService();
});
afterAll(async () => {
  await service?.close();
});

function post(url: string, headers: Record<string, string>, body = Buffer.alloc(0)): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers, agent: service.agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('test push service', () => {
  it('refuses a request without VAPID authorization, and records why', async () => {
    const subscription = createTestSubscription(service);
    const status = await post(subscription.endpoint, { 'Content-Encoding': 'aes128gcm', TTL: '60' });
    expect(status).toBe(401);
    const [request] = service.requests.filter((r) => r.id === subscription.id);
    expect(request?.problem).toMatch(/VAPID/);
    expect(service.delivered(subscription.id)).toEqual([]);
  });

  it.each([
    { name: 'a signature that does not verify', k: createECDH('prime256v1').generateKeys('base64url') },
    {
      name: 'a key off the curve',
      k: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'),
    },
  ])('refuses a VAPID header with $name', async ({ k }) => {
    const subscription = createTestSubscription(service);
    const status = await post(subscription.endpoint, {
      Authorization: `vapid t=eyJhbGciOiJFUzI1NiJ9.e30.AAAA, k=${k}`,
    });
    expect(status).toBe(401);
  });

  it('answers 404 for an unknown subscription', async () => {
    expect(await post(`${service.origin}/push/nobody`, {})).toBe(404);
  });

  it('is served with a certificate that an agent without its CA rejects', async () => {
    const subscription = createTestSubscription(service);
    const untrusting = new https.Agent();
    const attempt = new Promise((resolve, reject) => {
      const req = https.request(subscription.endpoint, { method: 'POST', agent: untrusting }, resolve);
      req.on('error', reject);
      req.end();
    });
    await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|VERIFY/) });
    untrusting.destroy();
  });
});
