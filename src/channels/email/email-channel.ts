// The email channel the run sees: send(message) → SendOutcome, close(). It renders the digest,
// derives a stable Message-ID from the delivery key, gives every attempt its own timeout, and
// turns every failure into an outcome value (classified once, in smtp-errors.ts).
import { hash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { parseEmailAddress } from '../../domain/email-address.ts';
import type { Channel, EmailMessage, SendOutcome } from '../channel.ts';
import { type EmailTemplateOptions, oneLine, type RenderedEmail, renderEmail } from './email-template.ts';
import {
  createMailTransport,
  type MailTransport,
  type MailTransportConfig,
  MailTransportConfigError,
  type OutgoingMail,
} from './mail-transport.ts';
import { classifySmtpError, isConnectionFailure } from './smtp-errors.ts';

export interface EmailChannelOptions extends EmailTemplateOptions {
  transport: MailTransportConfig;
  /** MAIL_FROM, an RFC 5322 mailbox such as `kigen <noreply@example.jp>`; its domain is the Message-ID's right-hand side. */
  from: string;
  /**
   * Limit for one attempt, from handing the message to the pool to the server's final reply,
   * in ms. A late attempt ends as a transient 'ETIMEDOUT' failure. Also bounds connecting and
   * the greeting unless the SMTP config sets its own connectionTimeoutMs.
   */
  timeoutMs: number;
}

/** Headers on every message: it is automatic mail, so auto-responders must not answer it (RFC 3834). */
const AUTOMATIC_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
});

/** The domain of the From mailbox. Throws a configuration error when there is none. */
export function senderDomain(from: string): string {
  const [first] = addressparser(from, { flatten: true });
  const at = first?.address.lastIndexOf('@') ?? -1;
  const domain = first && at > 0 ? first.address.slice(at + 1) : '';
  if (!/^[A-Za-z0-9.-]+$/.test(domain) || !domain.includes('.')) {
    throw new MailTransportConfigError(
      'MAIL_FROM must be a mailbox with a domain, e.g. "kigen <noreply@example.jp>"',
    );
  }
  return domain.toLowerCase();
}

/**
 * `<{first 32 hex of sha256(deliveryKey)}@{sender domain}>`: the same delivery always carries
 * the same Message-ID, so a copy sent again after a crash can be recognised and dropped.
 */
export function messageIdFor(deliveryKey: string, domain: string): string {
  // crypto.hash: the one-shot form, without a Hash object per message (same digest).
  const digest = hash('sha256', deliveryKey, 'hex').slice(0, 32);
  return `<${digest}@${domain}>`;
}

export interface EmailPreview extends RenderedEmail {
  from: string;
  to: { name: string; address: string };
  messageId: string;
}

/** Renders the message exactly as send() would, without sending anything. */
export function previewEmail(
  message: EmailMessage,
  opts: EmailTemplateOptions & { from: string },
): EmailPreview {
  const rendered = renderEmail(message, opts);
  return {
    ...rendered,
    from: opts.from,
    to: { name: oneLine(message.notice.fullName), address: message.notice.email },
    messageId: messageIdFor(message.deliveryKey, senderDomain(opts.from)),
  };
}

function checkDashboardUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new MailTransportConfigError('dashboard URL is not a valid absolute URL', { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MailTransportConfigError(`dashboard URL must be http(s) (got ${url.protocol})`);
  }
}

function failed(kind: 'transient' | 'permanent', code: string, reason: string): SendOutcome {
  return { status: 'failed', kind, code, reason };
}

/** Settles with the promise, or rejects as soon as the signal aborts, whichever comes first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Builds the channel. Validates the configuration at once (a bad From, URL or dashboard URL
 * throws a MailTransportConfigError with code 'ECONFIG'); connects lazily on the first send.
 */
export function createEmailChannel(opts: EmailChannelOptions): Channel<EmailMessage> {
  if (!(Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) {
    throw new MailTransportConfigError(`email timeoutMs must be a positive number (got ${opts.timeoutMs})`);
  }
  const domain = senderDomain(opts.from);
  checkDashboardUrl(opts.dashboardUrl);
  const transportConfig: MailTransportConfig =
    opts.transport.kind === 'smtp'
      ? { ...opts.transport, connectionTimeoutMs: opts.transport.connectionTimeoutMs ?? opts.timeoutMs }
      : opts.transport;
  const transport: MailTransport = createMailTransport(transportConfig);
  const template: EmailTemplateOptions = { appName: opts.appName, dashboardUrl: opts.dashboardUrl };
  const inFlight = new Set<Promise<SendOutcome>>();
  let closed = false;

  async function attempt(message: EmailMessage, signal: AbortSignal | undefined): Promise<SendOutcome> {
    if (closed) return failed('transient', 'ECLOSED', 'email channel is closed');
    if (signal?.aborted) return failed('transient', 'EABORT', 'cancelled before sending');
    // Checked here, before any transport: the outbox and SMTP alike never see an address that could
    // add a header or a recipient. It will not become valid on a retry.
    const recipient = parseEmailAddress(message.notice.email);
    if (!recipient.ok) {
      return failed(
        'permanent',
        'EADDRESS',
        `invalid recipient address: ${recipient.reason}; fix staffs.email`,
      );
    }
    let mail: OutgoingMail;
    try {
      const rendered = renderEmail(message, template);
      mail = {
        deliveryKey: message.deliveryKey,
        from: opts.from,
        to: { name: oneLine(message.notice.fullName), address: message.notice.email },
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        messageId: messageIdFor(message.deliveryKey, domain),
        headers: { ...AUTOMATIC_HEADERS },
      };
    } catch (err) {
      // A notice we cannot render will not render on a retry either.
      return failed(
        'permanent',
        'ERENDER',
        `could not render the email: ${err instanceof Error ? err.name : 'error'}`,
      );
    }
    // One controller per attempt: its own timer (cleared when the attempt ends, so a long run
    // keeps no timers around) and the caller's signal forwarded into it.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`no final reply within ${opts.timeoutMs} ms`, 'TimeoutError'));
    }, opts.timeoutMs);
    const forwardAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forwardAbort, { once: true });
    const progress = { dataSent: false };
    try {
      const receipt = await raceAbort(transport.send(mail, controller.signal, progress), controller.signal);
      return { status: 'sent', providerId: receipt.messageId };
    } catch (err) {
      if (signal?.aborted) {
        return failed(
          'transient',
          'EABORT',
          'cancelled while sending; the server may already have accepted it',
        );
      }
      const failure = timedOut
        ? {
            kind: 'transient' as const,
            code: 'ETIMEDOUT',
            reason: `no final reply within ${opts.timeoutMs} ms`,
          }
        : classifySmtpError(err);
      const connection = isConnectionFailure(failure);
      // Sent in full and then no reply (a timeout or a dropped connection): the server may have it.
      const replied = !timedOut && typeof (err as { responseCode?: unknown })?.responseCode === 'number';
      const unknownOutcome = progress.dataSent && !replied && connection && failure.kind === 'transient';
      return {
        status: 'failed',
        ...failure,
        ...(unknownOutcome
          ? { reason: `the message was sent but the server did not answer it (${failure.reason})` }
          : {}),
        ...(connection ? { connection } : {}),
        ...(unknownOutcome ? { unknownOutcome } : {}),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  return {
    send(message, signal) {
      const outcome = attempt(message, signal);
      inFlight.add(outcome);
      void outcome.finally(() => inFlight.delete(outcome));
      return outcome;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Every attempt has its own timeout, so this wait is bounded by timeoutMs.
      await Promise.allSettled([...inFlight]);
      await transport.close();
    },
  };
}
