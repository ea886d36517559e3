// A small MIME composer for our one message shape: multipart/alternative with a text and an HTML
// part, both UTF-8 and base64. nodemailer's general composer quoted-printable-encodes Japanese text
// (three times its size) and was most of the CPU cost of a send; this one is a few string joins.
import { createHash } from 'node:crypto';

export interface MimeMessage {
  from: { name: string; address: string };
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** With angle brackets. */
  messageId: string;
  date: Date;
  headers: Readonly<Record<string, string>>;
}

const CRLF = '\r\n';

/** RFC 2047 encoded words (B encoding), split on character boundaries, one folded line each. */
export function encodeWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    // 39 bytes of UTF-8 become 52 base64 characters: a 64-character word, which leaves room for
    // a header name on the first line within the recommended 78.
    if (Buffer.byteLength(chunk + ch) > 39) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** A mailbox header value: `"Name" <addr>` with the name encoded when it is not plain ASCII. */
export function formatMailbox(mailbox: { name: string; address: string }): string {
  const name = mailbox.name.replace(/[\r\n]+/g, ' ').trim();
  if (!name) return `<${mailbox.address}>`;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/["\\]/g, '\\$&')}" <${mailbox.address}>`;
  return `${encodeWords(name)}${CRLF} <${mailbox.address}>`;
}

function base64Lines(value: string): string {
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

/** The whole message with CRLF line ends, ready for SMTP DATA or an .eml file. */
export function composeMime(m: MimeMessage): Buffer {
  // The boundary is derived from the Message-ID: the same delivery gives byte-identical messages.
  const boundary = `=_kigen_${createHash('sha256').update(m.messageId).digest('hex').slice(0, 24)}`;
  const headers = [
    `From: ${formatMailbox(m.from)}`,
    `To: ${formatMailbox(m.to)}`,
    `Subject: ${encodeWords(m.subject.replace(/[\r\n]+/g, ' '))}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(body),
    ].join(CRLF);
  return Buffer.from(
    [
      headers.join(CRLF),
      '',
      part('text/plain', m.text),
      part('text/html', m.html),
      `--${boundary}--`,
      '',
    ].join(CRLF),
    'utf8',
  );
}
