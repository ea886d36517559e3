// The outbox transport (an .eml file per message) and transport configuration checks.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel, messageIdFor } from '../../../src/channels/email/email-channel.ts';
import { createMailTransport, outboxFileName } from '../../../src/channels/email/mail-transport.ts';
import { emailMessage, HOSTILE, typicalNotice } from './fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kigen-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outboxChannel(outDir: string) {
  return createEmailChannel({
    transport: { kind: 'outbox', dir: outDir },
    from: 'kigen <noreply@kigen.example.jp>',
    appName: 'kigen',
    dashboardUrl: 'https://kigen.example.jp/dashboard',
    timeoutMs: 5000,
  });
}

describe('outbox transport', () => {
  it('writes a parseable .eml file named after the delivery key', async () => {
    const outDir = join(dir, 'nested', 'outbox'); // created on first send
    const ch = outboxChannel(outDir);
    const key = '2026-12-06:staff-1:email:-';
    const outcome = await ch.send(emailMessage(typicalNotice({ fullName: `職員${HOSTILE}` }), key));
    await ch.close();

    expect(outcome).toEqual({ status: 'sent', providerId: messageIdFor(key, 'kigen.example.jp') });
    const files = await readdir(outDir);
    expect(files).toEqual([outboxFileName(key)]);
    const parsed = await simpleParser(await readFile(join(outDir, outboxFileName(key))));
    expect(parsed.subject).toBe('【kigen】【至急】更新期限を過ぎた利用者がいます');
    expect(parsed.messageId).toBe(messageIdFor(key, 'kigen.example.jp'));
    expect(parsed.from?.value[0]?.address).toBe('noreply@kigen.example.jp');
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    expect(to?.value[0]).toEqual({ name: `職員${HOSTILE}`, address: 'sabikan@example.jp' });
    expect(parsed.html).toContain('職員&lt;script&gt;');
    expect(parsed.text).toContain('このメールは自動送信されています');
  });

  it('one file per delivery key: a resend replaces its own file, another key adds one, no temp files left', async () => {
    const ch = outboxChannel(dir);
    await ch.send(emailMessage(typicalNotice(), 'key/1'));
    await ch.send(emailMessage(typicalNotice(), 'key/1'));
    await ch.send(emailMessage(typicalNotice(), 'key:1'));
    await ch.close();
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([outboxFileName('key/1'), outboxFileName('key:1')].sort());
  });

  it('an outbox path that is not a folder is fatal for the run', async () => {
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const ch = outboxChannel(join(file, 'outbox'));
    const outcome = await ch.send(emailMessage(typicalNotice()));
    await ch.close();
    expect(outcome).toMatchObject({ status: 'failed', kind: 'fatal', code: 'ENOTDIR' });
  });

  it('honours an aborted signal before writing', async () => {
    const transport = createMailTransport({ kind: 'outbox', dir });
    await expect(
      transport.send(
        {
          deliveryKey: 'k',
          from: 'a@b.example',
          to: { name: 'x', address: 'x@b.example' },
          subject: 's',
          html: '<p>h</p>',
          text: 't',
          messageId: '<id@b.example>',
          headers: {},
        },
        AbortSignal.abort(),
      ),
    ).rejects.toMatchObject({ code: 'EABORT' });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('outboxFileName', () => {
  it.each([
    ['2026-12-06:staff-1:email:-', /^2026-12-06_staff-1_email_--[0-9a-f]{16}\.eml$/],
    ['../../etc/passwd', /^etc_passwd-[0-9a-f]{16}\.eml$/],
    ['', /^message-[0-9a-f]{16}\.eml$/],
    ['日本語キー', /^message-[0-9a-f]{16}\.eml$/],
  ])('%j → safe name', (key, pattern) => {
    const name = outboxFileName(key);
    expect(name).toMatch(pattern);
    expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('is stable, bounded, and different for keys that differ only in unsafe characters', () => {
    expect(outboxFileName('a/b')).toBe(outboxFileName('a/b'));
    expect(outboxFileName('a/b')).not.toBe(outboxFileName('a:b'));
    expect(outboxFileName('x'.repeat(1000)).length).toBeLessThan(120);
  });
});

describe('createMailTransport (smtp) configuration', () => {
  it.each([
    ['not a URL', 'smtp//nope'],
    ['an http URL', 'http://user:secret@mail.example.jp'],
  ])('rejects %s with ECONFIG and does not echo the password', (_label, url) => {
    expect(() =>
      createMailTransport({ kind: 'smtp', url, pool: { maxConnections: 1, maxMessages: 10 } }),
    ).toThrow(expect.objectContaining({ code: 'ECONFIG', message: expect.not.stringContaining('secret') }));
  });

  it('rejects a pool without connections', () => {
    expect(() =>
      createMailTransport({
        kind: 'smtp',
        url: 'smtp://127.0.0.1:25',
        pool: { maxConnections: 0, maxMessages: 10 },
      }),
    ).toThrow(expect.objectContaining({ code: 'ECONFIG' }));
  });
});
