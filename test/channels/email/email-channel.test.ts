// The email channel against a real SMTP server on loopback (test/helpers/smtp-server.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AddressObject } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, EmailMessage, SendOutcome } from '../../../src/channels/channel.ts';
import {
  createEmailChannel,
  type EmailChannelOptions,
  messageIdFor,
  previewEmail,
  senderDomain,
} from '../../../src/channels/email/email-channel.ts';
import type { SmtpTransportConfig } from '../../../src/channels/email/mail-transport.ts';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../helpers/smtp-server.ts';
import { emailMessage, HOSTILE, typicalNotice } from './fixtures.ts';

const FROM = 'kigen <noreply@kigen.example.jp>';
const DASHBOARD = 'https://kigen.example.jp/dashboard';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  // channels first (they hold connections), then servers
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  cleanups.push(() => s.close());
  return s;
}

function channel(
  transport: Partial<SmtpTransportConfig> & { url: string },
  opts: Partial<EmailChannelOptions> = {},
): Channel<EmailMessage> {
  const ch = createEmailChannel({
    transport: { kind: 'smtp', pool: { maxConnections: 2, maxMessages: 1000 }, ...transport },
    from: FROM,
    appName: 'kigen',
    dashboardUrl: DASHBOARD,
    timeoutMs: 5000,
    ...opts,
  });
  cleanups.push(() => ch.close());
  return ch;
}

function firstAddress(obj: AddressObject | AddressObject[] | undefined) {
  const o = Array.isArray(obj) ? obj[0] : obj;
  return o?.value[0];
}

function expectFailed(outcome: SendOutcome, kind: string, code: string): void {
  expect(outcome).toMatchObject({ status: 'failed', kind, code });
}

describe('email channel over SMTP', () => {
  it('delivers one message with From, To, Subject, Message-ID and both parts', async () => {
    const server = await sink();
    const ch = channel({ url: server.url });
    const message = emailMessage(typicalNotice(), '2026-12-06:staff-1:email:-');

    const outcome = await ch.send(message);

    const expectedId = messageIdFor(message.deliveryKey, 'kigen.example.jp');
    expect(outcome).toEqual({ status: 'sent', providerId: expectedId });
    expect(server.messages).toHaveLength(1);
    const got = server.messages[0];
    if (!got) throw new Error('no message');
    expect(got.envelope).toEqual({ from: 'noreply@kigen.example.jp', to: ['sabikan@example.jp'] });
    expect(firstAddress(got.from)).toEqual({ name: 'kigen', address: 'noreply@kigen.example.jp' });
    expect(firstAddress(got.to)).toEqual({ name: '山田 花子', address: 'sabikan@example.jp' });
    expect(got.subject).toBe('【kigen】【至急】更新期限を過ぎた利用者がいます');
    expect(got.messageId).toBe(expectedId);
    expect(got.headers.get('auto-submitted')).toBe('auto-generated');
    expect(got.html).toContain('山田 花子 様');
    expect(got.html).toContain('【至急】更新期限を過ぎた利用者');
    expect(got.text).toContain('山田 花子 様');
    expect(got.text).toContain('残り10日');
    expect(got.raw).toMatch(/Content-Type: multipart\/alternative/i);
  });

  it('derives the Message-ID from the delivery key: same key, same id; other key, other id', async () => {
    const server = await sink();
    const ch = channel({ url: server.url });
    const n = typicalNotice();
    await ch.send(emailMessage(n, 'k-1'));
    await ch.send(emailMessage(n, 'k-1'));
    await ch.send(emailMessage(n, 'k-2'));
    const ids = server.messages.map((m) => m.messageId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[0]).toMatch(/^<[0-9a-f]{32}@kigen\.example\.jp>$/);
  });

  it('escapes a hostile staff name in the HTML and keeps it intact in the To header', async () => {
    const server = await sink();
    const ch = channel({ url: server.url });
    const outcome = await ch.send(emailMessage(typicalNotice({ fullName: `職員${HOSTILE}` })));
    expect(outcome.status).toBe('sent');
    const got = server.messages[0];
    expect(firstAddress(got?.to)).toEqual({ name: `職員${HOSTILE}`, address: 'sabikan@example.jp' });
    expect(got?.html).not.toContain('<script>');
    expect(got?.html).toContain('職員&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39; 様');
  });

  it('reuses pooled connections', async () => {
    const server = await sink();
    const ch = channel({ url: server.url, pool: { maxConnections: 2, maxMessages: 1000 } });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ch.send(emailMessage(typicalNotice(), `key-${i}`))),
    );
    expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
    expect(server.count).toBe(20);
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it('authenticates with user:pass from the URL', async () => {
    const server = await sink({ authRequired: { user: 'kigen', pass: 'p@ss:word' } });
    const ch = channel({ url: `smtp://kigen:${encodeURIComponent('p@ss:word')}@127.0.0.1:${server.port}` });
    expect(await ch.send(emailMessage(typicalNotice()))).toMatchObject({ status: 'sent' });
    expect(server.messages[0]?.authUser).toBe('kigen');
  });

  it('a 4xx reply at RCPT is a transient failure', async () => {
    const server = await sink({ failRcpt: () => ({ code: 451, message: 'Mailbox busy, try later' }) });
    const outcome = await channel({ url: server.url }).send(emailMessage(typicalNotice()));
    expectFailed(outcome, 'transient', '451');
    expect(server.count).toBe(0);
  });

  it('transientEvery fails every Nth recipient with 451', async () => {
    const server = await sink({ transientEvery: 2 });
    const ch = channel({ url: server.url });
    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const o = await ch.send(emailMessage(typicalNotice(), `k-${i}`));
      kinds.push(o.status === 'failed' ? `${o.kind}:${o.code}` : o.status);
    }
    expect(kinds).toEqual(['sent', 'transient:451', 'sent', 'transient:451']);
  });

  it('a 5xx reply at RCPT is a permanent failure, with the address masked in the reason', async () => {
    const server = await sink({
      failRcpt: (address) => ({ code: 550, message: `<${address}>: Recipient address rejected` }),
    });
    const outcome = await channel({ url: server.url }).send(emailMessage(typicalNotice()));
    expectFailed(outcome, 'permanent', '550');
    if (outcome.status !== 'failed') throw new Error('expected failure');
    expect(outcome.reason).toContain('RCPT TO');
    expect(outcome.reason).toContain('s***@example.jp');
    expect(outcome.reason).not.toContain('sabikan@');
  });

  it('a 4xx at the end of DATA is transient and a 5xx is permanent', async () => {
    let reply = { code: 452, message: 'Insufficient system storage' };
    const server = await sink({ failData: () => reply });
    const ch = channel({ url: server.url });
    expectFailed(await ch.send(emailMessage(typicalNotice())), 'transient', '452');
    reply = { code: 554, message: 'Message rejected as spam' };
    expectFailed(await ch.send(emailMessage(typicalNotice())), 'permanent', '554');
  });

  it('wrong credentials are fatal for the run (EAUTH)', async () => {
    const server = await sink({ authRequired: { user: 'kigen', pass: 'right' } });
    const outcome = await channel({ url: `smtp://kigen:wrong@127.0.0.1:${server.port}` }).send(
      emailMessage(typicalNotice()),
    );
    expectFailed(outcome, 'fatal', 'EAUTH');
    if (outcome.status !== 'failed') throw new Error('expected failure');
    expect(outcome.reason).not.toContain('wrong');
  });

  it('no credentials where the server requires them is fatal too', async () => {
    const server = await sink({ authRequired: { user: 'kigen', pass: 'right' } });
    const outcome = await channel({ url: server.url }).send(emailMessage(typicalNotice()));
    expectFailed(outcome, 'fatal', '530');
  });

  it('a server that never greets gives a transient timeout within timeoutMs', async () => {
    const server = await sink({ stall: 'greeting' });
    const ch = channel({ url: server.url }, { timeoutMs: 500 });
    const started = performance.now();
    const outcome = await ch.send(emailMessage(typicalNotice()));
    const elapsed = performance.now() - started;
    expectFailed(outcome, 'transient', 'ETIMEDOUT');
    expect(elapsed).toBeGreaterThanOrEqual(450);
    // generous upper bound: CI shares two cores with PGlite
    expect(elapsed).toBeLessThan(500 + 1000);
  });

  it('a server that never answers DATA gives a transient timeout, and close() does not hang', async () => {
    const server = await sink({ stall: 'data' });
    const ch = channel({ url: server.url }, { timeoutMs: 500 });
    const started = performance.now();
    const outcome = await ch.send(emailMessage(typicalNotice()));
    expectFailed(outcome, 'transient', 'ETIMEDOUT');
    expect(performance.now() - started).toBeLessThan(500 + 1000);
    const closing = performance.now();
    await ch.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it('each attempt has its own timeout (a slow first send does not shorten the next)', async () => {
    // 4 × 300 ms would overrun a timeout shared across attempts; each attempt alone has 500 ms spare
    const server = await sink({ latencyMs: 300 });
    const ch = channel({ url: server.url }, { timeoutMs: 800 });
    for (let i = 0; i < 4; i++) {
      expect(await ch.send(emailMessage(typicalNotice(), `k-${i}`))).toMatchObject({ status: 'sent' });
    }
  });

  it('a send that times out while queued for a busy connection is dropped, never sent late', async () => {
    // One connection, a 700 ms provider, a 300 ms timeout: the second message is still queued when
    // its attempt ends. Reported "not sent" (transient, to be retried), it must not go out afterwards.
    const server = await sink({ latencyMs: 700 });
    const ch = channel(
      { url: server.url, pool: { maxConnections: 1, maxMessages: 1000 } },
      { timeoutMs: 300 },
    );
    const first = emailMessage(typicalNotice(), 'k-first');
    const queued = emailMessage(typicalNotice(), 'k-queued');
    const outcomes = await Promise.all([ch.send(first), ch.send(queued)]);
    for (const outcome of outcomes) expectFailed(outcome, 'transient', 'ETIMEDOUT');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const queuedId = messageIdFor(queued.deliveryKey, senderDomain(FROM));
    expect(server.messages.map((m) => m.messageId)).not.toContain(queuedId);
  });

  it('the caller can cancel a send with its AbortSignal', async () => {
    const server = await sink({ stall: 'data' });
    const ch = channel({ url: server.url }, { timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutdown')), 100);
    const started = performance.now();
    const outcome = await ch.send(emailMessage(typicalNotice()), controller.signal);
    expectFailed(outcome, 'transient', 'EABORT');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('an already aborted signal sends nothing', async () => {
    const server = await sink();
    const ch = channel({ url: server.url });
    const outcome = await ch.send(emailMessage(typicalNotice()), AbortSignal.abort());
    expectFailed(outcome, 'transient', 'EABORT');
    expect(server.connections).toBe(0);
  });

  it('a refused connection is transient', async () => {
    const server = await startSmtpSink();
    const url = server.url;
    await server.close();
    const outcome = await channel({ url }, { timeoutMs: 2000 }).send(emailMessage(typicalNotice()));
    expect(outcome).toMatchObject({ status: 'failed', kind: 'transient' });
  });

  it('close() waits for sends in flight, then later sends fail without throwing', async () => {
    const server = await sink({ latencyMs: 200 });
    const ch = channel({ url: server.url });
    const pending = ch.send(emailMessage(typicalNotice()));
    await new Promise((r) => setTimeout(r, 50));
    await ch.close();
    expect(await pending).toMatchObject({ status: 'sent' });
    expect(await ch.send(emailMessage(typicalNotice()))).toMatchObject({
      status: 'failed',
      kind: 'transient',
    });
  });
});

describe('email channel with OAuth2', () => {
  async function tokenEndpoint(
    respond: (body: string) => { status: number; json: unknown },
  ): Promise<string> {
    const http: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const { status, json } = respond(body);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}/token`;
  }

  const oauth = (accessUrl: string) => ({
    type: 'oauth2' as const,
    user: 'noreply@kigen.example.jp',
    clientId: 'client-id',
    clientSecret: 'client-secret',
    refreshToken: 'refresh-token',
    accessUrl,
  });

  it('logs in with XOAUTH2 using a refreshed access token', async () => {
    const server = await sink({ xoauth2: { user: 'noreply@kigen.example.jp', accessToken: 'at-123' } });
    const accessUrl = await tokenEndpoint((body) =>
      body.includes('refresh_token=refresh-token')
        ? { status: 200, json: { access_token: 'at-123', expires_in: 3600, token_type: 'Bearer' } }
        : { status: 400, json: { error: 'invalid_request' } },
    );
    const ch = channel({ url: server.url, auth: oauth(accessUrl) });
    expect(await ch.send(emailMessage(typicalNotice()))).toMatchObject({ status: 'sent' });
    expect(server.messages[0]?.authUser).toBe('noreply@kigen.example.jp');
  });

  it('a refresh token the provider refuses is fatal (EOAUTH2)', async () => {
    const server = await sink({ xoauth2: { user: 'noreply@kigen.example.jp', accessToken: 'at-123' } });
    const accessUrl = await tokenEndpoint(() => ({ status: 400, json: { error: 'invalid_grant' } }));
    const outcome = await channel({ url: server.url, auth: oauth(accessUrl) }).send(
      emailMessage(typicalNotice()),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'fatal' });
  });
});

describe('channel configuration', () => {
  const base: EmailChannelOptions = {
    transport: { kind: 'smtp', url: 'smtp://127.0.0.1:2525', pool: { maxConnections: 1, maxMessages: 10 } },
    from: FROM,
    appName: 'kigen',
    dashboardUrl: DASHBOARD,
    timeoutMs: 1000,
  };

  it.each([
    ['a From without a domain', { from: 'kigen' }],
    [
      'a non-SMTP URL',
      { transport: { ...base.transport, url: 'http://u:secret@host' } as SmtpTransportConfig },
    ],
    ['a javascript: dashboard URL', { dashboardUrl: 'javascript:alert(1)' }],
    ['a zero timeout', { timeoutMs: 0 }],
  ])('rejects %s with ECONFIG, without echoing secrets', (_label, patch) => {
    let thrown: unknown;
    try {
      createEmailChannel({ ...base, ...patch });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ECONFIG' });
    expect(String((thrown as Error).message)).not.toContain('secret');
  });

  it('senderDomain reads the domain of the From mailbox', () => {
    expect(senderDomain('kigen <noreply@Example.JP>')).toBe('example.jp');
    expect(senderDomain('noreply@kigen.example.jp')).toBe('kigen.example.jp');
  });

  it('previewEmail renders what send() would, without sending', () => {
    const message = emailMessage(typicalNotice(), 'preview-key');
    const preview = previewEmail(message, { from: FROM, appName: 'kigen', dashboardUrl: DASHBOARD });
    expect(preview.subject).toBe('【kigen】【至急】更新期限を過ぎた利用者がいます');
    expect(preview.messageId).toBe(messageIdFor('preview-key', 'kigen.example.jp'));
    expect(preview.to).toEqual({ name: '山田 花子', address: 'sabikan@example.jp' });
    expect(preview.html).toContain('山田 花子 様');
  });
});
