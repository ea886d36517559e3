// The mail transports kigen can use, behind one small interface. nodemailer stays in this folder.
//
// - smtp:   nodemailer's pooled SMTP transport (any relay, ESP, Gmail / Workspace with an app
//           password in the URL or OAuth2).
// - outbox: every message becomes an .eml file in a folder: the default when no transport is
//           configured, so a fresh clone runs its main job with no mail server.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { SMTPPoolOptions, Transporter } from 'nodemailer';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { isValidEmailAddress } from '../../domain/email-address.ts';
import { composeMime } from './mime.ts';

/** OAuth2 (XOAUTH2) credentials, e.g. a Google Workspace sender. */
export interface SmtpOAuth2Auth {
  type: 'oauth2';
  /** The mailbox to authenticate as (usually the From address). */
  user: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Token endpoint. Default: Google's (`https://accounts.google.com/o/oauth2/token`). */
  accessUrl?: string | undefined;
}

export interface SmtpTransportConfig {
  kind: 'smtp';
  /**
   * `smtp://host:587` (STARTTLS when offered) or `smtps://host:465` (TLS from the start),
   * optionally with `user:pass@` (percent-encoded). Query parameters are nodemailer options
   * (e.g. `?tls.servername=…`).
   */
  url: string;
  pool: {
    /** Parallel SMTP connections. nodemailer's default is 5. */
    maxConnections: number;
    /**
     * Messages per connection before it is replaced. nodemailer's default (100) reconnects so
     * often that it halves throughput on a long run: use thousands.
     */
    maxMessages: number;
  };
  /** OAuth2 instead of the URL's user:pass. When set, credentials in the URL are ignored. */
  auth?: SmtpOAuth2Auth | undefined;
  /**
   * Limit for opening a connection and for the server's greeting, in ms.
   * Default: the channel's per-attempt timeout (nodemailer's own defaults are 2 min / 30 s).
   */
  connectionTimeoutMs?: number | undefined;
}

export interface OutboxTransportConfig {
  kind: 'outbox';
  /** Folder for the .eml files; created on the first send. */
  dir: string;
}

export type MailTransportConfig = SmtpTransportConfig | OutboxTransportConfig;

/** One fully rendered message, ready for a transport. */
export interface OutgoingMail {
  /** Delivery key: the outbox derives the file name from it. */
  deliveryKey: string;
  /** RFC 5322 From, e.g. `kigen <noreply@example.jp>`. */
  from: string;
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  /** Message-ID with angle brackets. */
  messageId: string;
  /** Extra headers (Auto-Submitted, …). */
  headers: Record<string, string>;
}

export interface TransportReceipt {
  messageId: string;
  /** The server's last reply (SMTP) or the file written (outbox). */
  response: string;
}

export interface MailTransport {
  readonly kind: MailTransportConfig['kind'];
  /**
   * Resolves once the server accepted the message (or the file is in place); rejects with the transport's error.
   * `progress.dataSent` becomes true once the whole message has been handed to the server (after DATA).
   */
  send(mail: OutgoingMail, signal: AbortSignal, progress?: { dataSent: boolean }): Promise<TransportReceipt>;
  /** Closes idle pooled connections; a connection delivering a message finishes first. */
  close(): Promise<void>;
}

/** A transport configuration error: thrown at creation, before anything is sent. */
export class MailTransportConfigError extends Error {
  readonly code = 'ECONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailTransportConfigError';
  }
}

export function createMailTransport(config: MailTransportConfig): MailTransport {
  return config.kind === 'smtp' ? createSmtpTransport(config) : createOutboxTransport(config);
}

/**
 * Turns OutgoingMail into MIME bytes and the SMTP envelope taken from the same addresses. Every
 * message of a run has the same From, so its parse is kept (one entry) instead of redone per message.
 */
function createComposer(): (mail: OutgoingMail) => { raw: Buffer; envelope: { from: string; to: string[] } } {
  let lastFrom: { text: string; name: string; address: string } | undefined;
  const parseFrom = (text: string) => {
    if (lastFrom?.text === text) return lastFrom;
    const [from] = addressparser(text, { flatten: true });
    if (!from?.address) throw new MailTransportConfigError('From has no address');
    lastFrom = { text, name: from.name, address: from.address };
    return lastFrom;
  };
  return (mail) => {
    // The channel checks the address before a message is rendered; this keeps every transport safe
    // even when called on its own.
    if (!isValidEmailAddress(mail.to.address)) {
      throw Object.assign(new Error('invalid recipient address'), { code: 'EADDRESS' });
    }
    const from = parseFrom(mail.from);
    const raw = composeMime({
      from: { name: from.name, address: from.address },
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      date: new Date(),
      headers: mail.headers,
    });
    return { raw, envelope: { from: from.address, to: [mail.to.address] } };
  };
}

// ---------------------------------------------------------------- SMTP

/** Checks the URL without ever echoing it (it may carry a password). */
function parseSmtpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new MailTransportConfigError(
      'SMTP URL is not a valid URL; expected smtp://host:port or smtps://host:port',
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new MailTransportConfigError(
      `SMTP URL must start with smtp:// or smtps:// (got ${url.protocol}//); use the outbox for local files`,
    );
  }
  if (!url.hostname) throw new MailTransportConfigError('SMTP URL has no host');
  return url;
}

function createSmtpTransport(config: SmtpTransportConfig): MailTransport {
  const url = parseSmtpUrl(config.url);
  const { maxConnections, maxMessages } = config.pool;
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1)) {
    throw new MailTransportConfigError(
      `SMTP pool.maxConnections must be an integer ≥ 1 (got ${maxConnections})`,
    );
  }
  if (!(maxMessages >= 1)) {
    throw new MailTransportConfigError(`SMTP pool.maxMessages must be ≥ 1 (got ${maxMessages})`);
  }
  let auth: SMTPPoolOptions['auth'];
  if (config.auth) {
    // OAuth2 replaces the URL's credentials: nodemailer would otherwise let the URL win.
    url.username = '';
    url.password = '';
    auth = {
      type: 'OAuth2',
      user: config.auth.user,
      clientId: config.auth.clientId,
      clientSecret: config.auth.clientSecret,
      refreshToken: config.auth.refreshToken,
      ...(config.auth.accessUrl ? { accessUrl: config.auth.accessUrl } : {}),
    };
  }
  const timeouts =
    config.connectionTimeoutMs === undefined
      ? {}
      : { connectionTimeout: config.connectionTimeoutMs, greetingTimeout: config.connectionTimeoutMs };
  const options: SMTPPoolOptions & { pool: true } = {
    pool: true,
    url: url.href,
    maxConnections,
    maxMessages,
    ...(auth ? { auth } : {}),
    ...timeouts,
    // Do not wait 5 s for a stalled peer to close a socket we ended.
    socketCloseTimeout: 0,
    logger: false,
  };
  const transporter: Transporter = nodemailer.createTransport(options);
  // Every failure reaches the send's promise; without a listener an 'error' event would crash.
  transporter.on('error', () => {});
  const pool = transporter.transporter as unknown as RawPool;
  const composed = createComposer();
  return {
    kind: 'smtp',
    async send(mail, signal, progress) {
      if (signal.aborted) throw abortReason(signal);
      const { raw, envelope } = composed(mail);
      // Only the bytes stay referenced while the message waits and travels, not the rendered parts.
      const { messageId } = mail;
      return new Promise<TransportReceipt>((resolve, reject) => {
        pool.send(rawPoolMail(raw, envelope, messageId, signal, progress), (err, info) => {
          if (err) reject(err);
          else resolve({ messageId, response: String(info?.response ?? '') });
        });
      });
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * The part of nodemailer's SMTP pool kigen uses: `send(mail, callback)`, the method every
 * nodemailer transport implements and its Mailer calls. kigen calls it itself with the finished
 * message, because the Mailer turns even a raw message into a MIME tree first (a MimeNode with
 * random boundaries, address normalisation, a stream pipeline): without it the benchmark's
 * zero-latency throughput went from ~900 to ~1,540 emails/s. Of `mail`, the pool reads the
 * envelope, the Message-ID, the message stream and `data.signal` (nodemailer 10.6.1, pinned; the
 * channel tests send through a real SMTP server with AUTH, OAuth2, timeouts and cancellation).
 */
interface RawPool {
  send(mail: RawPoolMail, callback: (err: Error | null, info?: { response?: string }) => void): boolean;
}

interface RawPoolMail {
  data: { signal: AbortSignal };
  message: {
    getEnvelope(): { from: string; to: string[] };
    messageId(): string;
    getHeader(name: string): string | undefined;
    createReadStream(): Readable;
  };
}

function rawPoolMail(
  raw: Buffer,
  envelope: { from: string; to: string[] },
  messageId: string,
  signal: AbortSignal,
  progress?: { dataSent: boolean },
): RawPoolMail {
  return {
    // When the attempt times out or is cancelled, the pool drops the message if it is still queued,
    // so it cannot go out after its outcome said "not sent"; one already being sent has its
    // connection closed (the server may have accepted it: the stable Message-ID covers that).
    data: { signal },
    message: {
      getEnvelope: () => ({ from: envelope.from, to: [...envelope.to] }),
      messageId: () => messageId,
      getHeader: (name) => (name.toLowerCase() === 'message-id' ? messageId : undefined),
      createReadStream: () => {
        const stream = new Readable({ read() {} });
        stream.push(raw);
        stream.push(null);
        // The pool reads the message only after the server's 354 to DATA; read to the end, it is all sent.
        if (progress) stream.once('end', () => (progress.dataSent = true));
        return stream;
      },
    },
  };
}

// ---------------------------------------------------------------- outbox

const MAX_SAFE_PART = 80;

/**
 * File name for a delivery key: the key with anything outside [A-Za-z0-9._-] replaced, cut to
 * a bounded length, plus a hash of the full key so two keys never share a file. The same key
 * always gives the same name: a resend overwrites its own file instead of adding a copy.
 */
export function outboxFileName(deliveryKey: string): string {
  const safe = deliveryKey
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_SAFE_PART);
  const hash = createHash('sha256').update(deliveryKey).digest('hex').slice(0, 16);
  return `${safe || 'message'}-${hash}.eml`;
}

function abortReason(signal: AbortSignal): Error {
  const err = new Error('Message sending aborted', { cause: signal.reason });
  (err as Error & { code: string }).code = 'EABORT';
  return err;
}

function createOutboxTransport(config: OutboxTransportConfig): MailTransport {
  if (!config.dir) throw new MailTransportConfigError('outbox dir is empty');
  let ready: Promise<unknown> | undefined;
  const composed = createComposer();
  return {
    kind: 'outbox',
    async send(mail, signal) {
      if (signal.aborted) throw abortReason(signal);
      ready ??= mkdir(config.dir, { recursive: true }).catch((err: unknown) => {
        ready = undefined; // let a later send try again
        throw err;
      });
      await ready;
      const body = composed(mail).raw;
      if (signal.aborted) throw abortReason(signal);
      const name = outboxFileName(mail.deliveryKey);
      const target = join(config.dir, name);
      // Same folder, so rename() is atomic: a reader sees the whole file or none.
      const tmp = join(config.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(tmp, body, { flag: 'wx' });
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw err;
      }
      return { messageId: mail.messageId, response: target };
    },
    async close() {},
  };
}
