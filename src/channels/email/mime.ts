// A small MIME composer for our one message shape: multipart/alternative with a text and an HTML
// part, both UTF-8 and base64. nodemailer's general composer quoted-printable-encodes Japanese text
// (three times its size) and was most of the CPU cost of a send; this one is a few string joins.
import { hash } from 'node:crypto';
import { displayText } from '../../domain/display-text.ts';

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

/** Bytes of the code point at `i` in UTF-8, and how many UTF-16 units it takes (a lone surrogate is U+FFFD: 3 bytes). */
function utf8Width(value: string, i: number): { bytes: number; units: number } {
  const c = value.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = value.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
  }
  return { bytes: 3, units: 1 };
}

/**
 * RFC 2047 encoded words (B encoding), split on character boundaries, one folded line each.
 * Each word holds at most 39 bytes of UTF-8, which become 52 base64 characters: a 64-character
 * word, which leaves room for a header name on the first line within the recommended 78.
 */
export function encodeWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < value.length; ) {
    const width = utf8Width(value, i);
    if (bytes + width.bytes > 39) {
      words.push(value.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += width.bytes;
    i += width.units;
  }
  words.push(value.slice(start));
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

/** A mailbox header value: `"Name" <addr>` with the name encoded when it is not plain ASCII. */
export function formatMailbox(mailbox: { name: string; address: string }): string {
  const name = displayText(mailbox.name);
  if (!name) return `<${mailbox.address}>`;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/["\\]/g, '\\$&')}" <${mailbox.address}>`;
  return `${encodeWords(name)}${CRLF} <${mailbox.address}>`;
}

/** Length of `bytes` bytes as base64 in lines of 76 characters joined by CRLF. */
function wrappedBase64Length(bytes: number): number {
  const chars = 4 * Math.ceil(bytes / 3);
  return chars + 2 * Math.max(0, Math.ceil(chars / 76) - 1);
}

/**
 * Writes `body` as base64 lines of 76 characters joined by CRLF into `out` at `offset`; returns the
 * offset after it. The base64 text is written once, past where the wrapped lines end, and each line
 * is then moved forward into place: no per-line strings and no joined copy of the message.
 */
function writeWrappedBase64(out: Buffer, offset: number, body: Buffer): number {
  const chars = 4 * Math.ceil(body.length / 3);
  const lines = Math.ceil(chars / 76);
  const breaks = 2 * Math.max(0, lines - 1);
  out.write(body.toString('base64'), offset + breaks, chars, 'latin1');
  let to = offset;
  for (let line = 0; line < lines; line++) {
    const from = offset + breaks + line * 76;
    const end = Math.min(from + 76, offset + breaks + chars);
    if (line > 0) {
      out[to++] = 0x0d;
      out[to++] = 0x0a;
    }
    out.copyWithin(to, from, end);
    to += end - from;
  }
  return to;
}

/** The whole message with CRLF line ends, ready for SMTP DATA or an .eml file. */
export function composeMime(m: MimeMessage): Buffer {
  // The boundary is derived from the Message-ID: the same delivery gives byte-identical messages.
  const boundary = `=_kigen_${hash('sha256', m.messageId, 'hex').slice(0, 24)}`;
  const headers = [
    `From: ${formatMailbox(m.from)}`,
    `To: ${formatMailbox(m.to)}`,
    `Subject: ${encodeWords(displayText(m.subject))}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${m.date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  const partHead = (type: string) =>
    `--${boundary}${CRLF}Content-Type: ${type}; charset=UTF-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}`;
  // headers, blank line, text part, html part, closing boundary; each part's body is base64.
  const head = `${headers.join(CRLF)}${CRLF}${CRLF}${partHead('text/plain')}`;
  const middle = `${CRLF}${partHead('text/html')}`;
  const tail = `${CRLF}--${boundary}--${CRLF}`;
  const text = Buffer.from(m.text, 'utf8');
  const html = Buffer.from(m.html, 'utf8');
  const out = Buffer.allocUnsafe(
    Buffer.byteLength(head) +
      wrappedBase64Length(text.length) +
      Buffer.byteLength(middle) +
      wrappedBase64Length(html.length) +
      Buffer.byteLength(tail),
  );
  let at = out.write(head, 0, 'utf8');
  at = writeWrappedBase64(out, at, text);
  at += out.write(middle, at, 'utf8');
  at = writeWrappedBase64(out, at, html);
  at += out.write(tail, at, 'utf8');
  return at === out.length ? out : out.subarray(0, at);
}
