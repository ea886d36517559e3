// Header injection through a stored address or name (issue 11, items 6 and 8): the channel refuses
// an invalid recipient address before any transport sees it, and display names lose line breaks
// and bidi controls; checked on the outbox (the default) and on a real SMTP server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, EmailMessage } from '../../../src/channels/channel.ts';
import { createEmailChannel } from '../../../src/channels/email/email-channel.ts';
import type { MailTransportConfig } from '../../../src/channels/email/mail-transport.ts';
import { startSmtpSink } from '../../helpers/smtp-server.ts';
import { emailMessage, typicalNotice } from './fixtures.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function channel(transport: MailTransportConfig): Channel<EmailMessage> {
  const ch = createEmailChannel({
    transport,
    from: 'kigen <noreply@kigen.example.jp>',
    appName: 'kigen',
    dashboardUrl: 'https://kigen.example.jp/',
    timeoutMs: 5000,
  });
  cleanups.push(() => ch.close());
  return ch;
}

function outboxDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-outbox-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const HOSTILE_ADDRESSES = [
  'victim@example.jp\r\nBcc: evil@x.jp',
  'c@x.jp>, <d@evil.example.jp',
  'victim@example.jp\nTo: evil@x.jp',
];

describe.each(HOSTILE_ADDRESSES)('recipient %j', (address) => {
  it('is refused on the outbox: failed permanent EADDRESS, no file written', async () => {
    const dir = outboxDir();
    const outcome = await channel({ kind: 'outbox', dir }).send(
      emailMessage(typicalNotice({ email: address })),
    );
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'EADDRESS' });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/^invalid recipient address: /);
    expect(outcome.status === 'failed' && outcome.reason).not.toContain('evil');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('is refused on SMTP: nothing reaches the server', async () => {
    const server = await startSmtpSink();
    cleanups.push(() => server.close());
    const outcome = await channel({
      kind: 'smtp',
      url: server.url,
      pool: { maxConnections: 1, maxMessages: 10 },
    }).send(emailMessage(typicalNotice({ email: address })));
    expect(outcome).toMatchObject({ status: 'failed', kind: 'permanent', code: 'EADDRESS' });
    expect(server.messages).toHaveLength(0);
  });
});

describe('display names and addresses that are valid', () => {
  it('writes one To header with a quoted local part and an IDN domain, no line of the name', async () => {
    const dir = outboxDir();
    const outcome = await channel({ kind: 'outbox', dir }).send(
      emailMessage(
        typicalNotice({ email: '"taro yamada"@例え.jp', fullName: '山田\r\nBcc: evil@x.jp\u202e太郎' }),
      ),
    );
    expect(outcome).toMatchObject({ status: 'sent' });
    const [file] = fs.readdirSync(dir);
    const eml = fs.readFileSync(path.join(dir, file as string), 'utf8');
    const head = eml.slice(0, eml.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head.match(/^To:/gim)).toHaveLength(1);
    expect(head).toContain('<"taro yamada"@例え.jp>');
    // The encoded display name decodes to one line without the bidi override.
    const words = [...head.matchAll(/=\?UTF-8\?B\?([^?]+)\?=/g)].map((m) =>
      Buffer.from(m[1] as string, 'base64').toString('utf8'),
    );
    const name = words.join('');
    expect(name).toContain('山田 Bcc: evil@x.jp太郎');
    expect(name).not.toMatch(/[\r\n\u202e]/);
  });
});
