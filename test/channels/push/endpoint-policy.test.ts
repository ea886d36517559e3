import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkPushEndpoint,
  checkPushSubscription,
  MAX_ENDPOINT_LENGTH,
  nonPublicAddressReason,
} from '../../../src/channels/push/endpoint-policy.ts';

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const P256DH = ecdh.getPublicKey().toString('base64url');
const AUTH = randomBytes(16).toString('base64url');
const keys = { p256dh: P256DH, auth: AUTH };

describe('checkPushSubscription accepts real push services', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABmZ3x1',
    'https://web.push.apple.com/QGx6wqjLqk7X2b5Xf6qU9w',
    'https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD%2bJ0KQ',
    'https://fcm.googleapis.com.:443/fcm/send/abc',
    'https://8.8.8.8/push/1',
    'https://[2606:4700:4700::1111]/push/1',
    'https://PUSH.Example.COM/x',
  ])('%s', (endpoint) => {
    expect(checkPushSubscription({ endpoint, keys })).toEqual({ ok: true });
  });
});

describe('checkPushEndpoint rejects', () => {
  it.each([
    // scheme, shape, credentials, port
    ['http://fcm.googleapis.com/fcm/send/x', /https/],
    ['ftp://fcm.googleapis.com/x', /https/],
    ['javascript:alert(1)', /https/],
    ['not a url', /printable ASCII/],
    ['https://', /valid URL/],
    ['', /non-empty/],
    ['https://user:pw@fcm.googleapis.com/x', /credentials/],
    ['https://fcm.googleapis.com:8443/x', /port/],
    ['https://fcm.googleapis.com\\@127.0.0.1/x', /backslash/],
    ['https://ｆｃｍ.googleapis.com/x', /ASCII/],
    ['https://fcm.googleapis.com/x y', /ASCII/],
    // loopback, every spelling
    ['https://127.0.0.1/push', /loopback/],
    ['https://127.8.9.10/push', /loopback/],
    ['https://localhost/push', /loopback/],
    ['https://LOCALHOST./push', /loopback/],
    ['https://push.localhost/x', /loopback/],
    ['https://2130706433/', /loopback/],
    ['https://0x7f000001/', /loopback/],
    ['https://0x7f.1/', /loopback/],
    ['https://0177.0.0.1/', /loopback/],
    ['https://017700000001/', /loopback/],
    ['https://127.1/', /loopback/],
    ['https://127.0.0.1./', /loopback/],
    ['https://%31%32%37.0.0.1/', /loopback/],
    ['https://[::1]/', /loopback/],
    ['https://[0:0:0:0:0:0:0:1]/', /loopback/],
    ['https://[::ffff:127.0.0.1]/', /IPv4-mapped 127\.0\.0\.1, loopback/],
    ['https://[::ffff:7f00:1]/', /IPv4-mapped 127\.0\.0\.1, loopback/],
    ['https://[::127.0.0.1]/', /IPv4-compatible 127\.0\.0\.1/],
    ['https://[64:ff9b::7f00:1]/', /NAT64 127\.0\.0\.1/],
    // private, link-local, CGNAT, this-network
    ['https://10.1.2.3/', /private 10/],
    ['https://172.16.0.1/', /private 172/],
    ['https://172.31.255.255/', /private 172/],
    ['https://192.168.1.1/', /private 192\.168/],
    ['https://3232235777/', /private 192\.168/],
    ['https://169.254.1.1/', /link-local/],
    ['https://100.64.0.1/', /CGNAT/],
    ['https://100.127.255.255/', /CGNAT/],
    ['https://0.0.0.0/', /this network/],
    ['https://0/', /this network/],
    ['https://[::]/', /unspecified/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[febf::1]/', /link-local/],
    ['https://[fc00::1]/', /unique-local/],
    ['https://[fd12:3456::1]/', /unique-local/],
    ['https://[::ffff:10.0.0.1]/', /IPv4-mapped 10\.0\.0\.1, private/],
    ['https://[::ffff:8.8.8.8]/', /IPv4-mapped 8\.8\.8\.8/],
    // cloud metadata
    ['https://169.254.169.254/latest/meta-data/', /cloud metadata/],
    ['https://2852039166/', /cloud metadata/],
    ['https://[::ffff:169.254.169.254]/', /cloud metadata/],
    ['https://[fd00:ec2::254]/', /cloud metadata/],
    ['https://metadata.google.internal/computeMetadata/v1/', /cloud metadata/],
    ['https://metadata.google.internal./', /cloud metadata/],
    ['https://100.100.100.200/', /cloud metadata/],
    // multicast, reserved, documentation, special names
    ['https://224.0.0.1/', /multicast/],
    ['https://239.255.255.250/', /multicast/],
    ['https://255.255.255.255/', /reserved/],
    ['https://240.0.0.1/', /reserved/],
    ['https://192.0.2.10/', /documentation/],
    ['https://198.18.0.1/', /benchmarking/],
    ['https://[ff02::1]/', /multicast/],
    ['https://[2001:db8::1]/', /documentation/],
    ['https://[2001::1]/', /Teredo/],
    ['https://[2002:7f00:1::]/', /6to4/],
    ['https://[4000::1]/', /reserved/],
    ['https://[fec0::1]/', /site-local/],
    ['https://intranet/push', /private-use/],
    ['https://pushserver/push', /single-label/],
    ['https://metadata/computeMetadata/v1/', /cloud metadata/],
    ['https://printer.local/', /multicast DNS/],
    ['https://api.internal/', /private-use/],
    ['https://router.home.arpa/', /private-use/],
    ['https://push.test/', /special-use/],
    ['https://1.0.0.127.in-addr.arpa/', /infrastructure/],
    ['https://xn--a.example/', /special-use/],
    ['https://-bad-.example.com/', /valid DNS name/],
  ])('%s', (endpoint, why) => {
    const problems = checkPushEndpoint(endpoint);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('; ')).toMatch(why);
  });

  it('rejects endpoints longer than the limit, and accepts one at the limit', () => {
    const base = 'https://fcm.googleapis.com/fcm/send/';
    expect(checkPushEndpoint(base + 'a'.repeat(MAX_ENDPOINT_LENGTH - base.length))).toEqual([]);
    expect(checkPushEndpoint(base + 'a'.repeat(MAX_ENDPOINT_LENGTH - base.length + 1))).toEqual([
      `endpoint: longer than ${MAX_ENDPOINT_LENGTH} characters`,
    ]);
  });

  it.each([undefined, null, 42, {}, ['https://fcm.googleapis.com/']])(
    'rejects a non-string %j',
    (endpoint) => {
      expect(checkPushEndpoint(endpoint)).toEqual(['endpoint: must be a non-empty string']);
    },
  );
});

describe('nonPublicAddressReason', () => {
  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1', '2a00:1450::1'])(
    '%s is public',
    (address) => {
      expect(nonPublicAddressReason(address)).toBeUndefined();
    },
  );

  it('reports a name that is not an address', () => {
    expect(nonPublicAddressReason('example.com')).toBe('not an IP address');
  });
});

describe('checkPushSubscription keys', () => {
  const endpoint = 'https://fcm.googleapis.com/fcm/send/abc';
  const compressed = ecdh.getPublicKey('base64url', 'compressed');
  const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');

  it('accepts padded base64url keys', () => {
    expect(checkPushSubscription({ endpoint, keys: { p256dh: `${P256DH}=`, auth: `${AUTH}==` } })).toEqual({
      ok: true,
    });
  });

  it.each([
    {
      name: 'compressed p256dh',
      keys: { p256dh: compressed, auth: AUTH },
      why: /keys\.p256dh: must decode to a 65-byte/,
    },
    {
      name: 'p256dh off the curve',
      keys: { p256dh: offCurve, auth: AUTH },
      why: /keys\.p256dh: is not a point/,
    },
    {
      name: 'p256dh in standard base64',
      keys: { p256dh: `${P256DH.replace(/[-_]/g, '+')}+`, auth: AUTH },
      why: /keys\.p256dh/,
    },
    { name: 'empty p256dh', keys: { p256dh: '', auth: AUTH }, why: /keys\.p256dh: must be a base64url/ },
    {
      name: 'short auth',
      keys: { p256dh: P256DH, auth: randomBytes(12).toString('base64url') },
      why: /keys\.auth: must decode to 16 bytes \(got 12\)/,
    },
    {
      name: 'long auth',
      keys: { p256dh: P256DH, auth: randomBytes(32).toString('base64url') },
      why: /keys\.auth/,
    },
    {
      name: 'auth with junk',
      keys: { p256dh: P256DH, auth: `${AUTH}!` },
      why: /keys\.auth: must be a base64url/,
    },
  ])('rejects $name', ({ keys: badKeys, why }) => {
    const result = checkPushSubscription({ endpoint, keys: badKeys });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.problems.join('; ')).toMatch(why);
  });

  it('reports every problem at once, and survives malformed input', () => {
    const result = checkPushSubscription({ endpoint: 'http://127.0.0.1/', keys: { p256dh: 'x', auth: 'y' } });
    expect(result.ok === false && result.problems).toHaveLength(4);
    const garbage = JSON.parse('{"endpoint":7}') as Parameters<typeof checkPushSubscription>[0];
    expect(checkPushSubscription(garbage)).toEqual({
      ok: false,
      problems: [
        'endpoint: must be a non-empty string',
        'keys.p256dh: must be a base64url string',
        'keys.auth: must be a base64url string',
      ],
    });
  });
});
