import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMime, encodeWords, formatMailbox } from '../../../src/channels/email/mime.ts';

const base = {
  from: { name: 'kigen 通知', address: 'noreply@example.jp' },
  to: { name: '山田 "太郎" <x>', address: 'taro@example.jp' },
  subject:
    '【kigen】【至急】更新期限を過ぎた利用者がいます——とても長い件名がここに続きます。折り返しが必要になるほど長い件名です',
  text: '山田 太郎 様\n本文です。',
  html: '<p>山田 太郎 様</p><p>&lt;script&gt;</p>',
  messageId: '<abc123@example.jp>',
  date: new Date('2026-12-01T00:00:00Z'),
  headers: { 'Auto-Submitted': 'auto-generated' },
};

describe('composeMime', () => {
  it('produces a message that a mail parser reads back field by field', async () => {
    const raw = composeMime(base);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(base.subject);
    expect(parsed.messageId).toBe(base.messageId);
    expect(parsed.from?.value[0]).toEqual({ name: 'kigen 通知', address: 'noreply@example.jp' });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : null).toEqual({
      name: '山田 "太郎" <x>',
      address: 'taro@example.jp',
    });
    expect(parsed.text?.trim()).toBe(base.text);
    expect(parsed.html).toContain('&lt;script&gt;');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.date?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('keeps every line within 78 characters and uses CRLF only', () => {
    const text = composeMime(base).toString('utf8');
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('is byte-identical for the same delivery (same Message-ID and date)', () => {
    expect(composeMime(base).equals(composeMime({ ...base }))).toBe(true);
    expect(composeMime(base).equals(composeMime({ ...base, messageId: '<other@example.jp>' }))).toBe(false);
  });

  it('cannot be made to add headers through a name or subject with line breaks', async () => {
    const raw = composeMime({
      ...base,
      subject: 'hi\r\nBcc: evil@example.com',
      to: { name: 'a\r\nBcc: x@y', address: 'a@b.jp' },
    });
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('hi Bcc: evil@example.com');
  });

  it('encodes only what needs it', () => {
    expect(encodeWords('plain ascii')).toBe('plain ascii');
    expect(encodeWords('日本')).toBe(`=?UTF-8?B?${Buffer.from('日本').toString('base64')}?=`);
    expect(formatMailbox({ name: '', address: 'a@b.jp' })).toBe('<a@b.jp>');
    expect(formatMailbox({ name: 'A "B"', address: 'a@b.jp' })).toBe('"A \\"B\\"" <a@b.jp>');
  });

  it('splits encoded words on character boundaries, at most 39 bytes of UTF-8 each', () => {
    const samples = [
      '山田 花子',
      'あ'.repeat(13), // exactly 39 bytes: one word
      'あ'.repeat(14),
      `a${'あ'.repeat(13)}`,
      `${'😀'.repeat(11)}x`, // 4-byte characters (surrogate pairs) never cut in half
      `ｱｲｳ é ü ${'漢字'.repeat(20)} end`,
      'lone \ud800 surrogate \udc00 ok',
    ];
    for (const value of samples) {
      const words = encodeWords(value).split('\r\n ');
      const decoded = words.map((w) => {
        const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(w);
        expect(m, w).not.toBeNull();
        const bytes = Buffer.from(m?.[1] ?? '', 'base64');
        expect(bytes.length).toBeGreaterThan(0);
        expect(bytes.length).toBeLessThanOrEqual(39);
        // Each word is valid UTF-8 on its own: decoding and re-encoding gives the same bytes.
        expect(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)).toBe(true);
        return bytes.toString('utf8');
      });
      expect(decoded.join('')).toBe(Buffer.from(value, 'utf8').toString('utf8'));
      // Words are as full as they can be: no word but the last could have taken the next character.
      for (let i = 0; i < decoded.length - 1; i++) {
        const next = [...(decoded[i + 1] ?? '')][0] ?? '';
        expect(Buffer.byteLength(`${decoded[i]}${next}`)).toBeGreaterThan(39);
      }
    }
  });
});
