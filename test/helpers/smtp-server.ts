// A real SMTP server on loopback for tests and the benchmark: accepts mail, parses it with
// mailparser, and can be scripted to answer 4xx/5xx at RCPT or DATA time, to be slow, to stall,
// or to require credentials. Plain text only (STARTTLS disabled) so no certificate is involved.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { afterEach } from 'vitest';

export interface SmtpReply {
  /** 4xx (try again later) or 5xx (refused). */
  code: number;
  message: string;
}

export interface SmtpSinkOptions {
  /** Delay before answering the end of DATA, in ms (simulates a provider's latency). Default 0. */
  latencyMs?: number;
  /** Reply for RCPT TO <address>; undefined accepts it. */
  failRcpt?: (address: string) => SmtpReply | undefined;
  /** Reply at the end of DATA, after the message was read; undefined accepts it. */
  failData?: (envelope: { from: string; to: string[] }) => SmtpReply | undefined;
  /**
   * Greylisting-style 451 at RCPT: a number N fails every Nth RCPT (1-based count over the
   * server's life), a function fails the RCPT when it returns true. Default: never.
   */
  transientEvery?: number | (() => boolean);
  /** Require AUTH PLAIN/LOGIN with these credentials (wrong ones get 535). Default: no auth. */
  authRequired?: { user: string; pass: string };
  /** Accept AUTH XOAUTH2 for this user with this bearer token (others get an XOAUTH2 failure). */
  xoauth2?: { user: string; accessToken: string };
  /**
   * Stop answering: 'greeting' never sends the 220 greeting, 'data' reads the message and never
   * answers it. The client's own timeout has to end the attempt. Default: none.
   */
  stall?: 'greeting' | 'data';
  /** Like stall 'data', for the messages where it returns true (read in full, never answered). */
  stallData?: (envelope: { from: string; to: string[] }) => boolean;
  /** Parse each message into `messages` (default true). The benchmark turns it off and reads `count`. */
  parse?: boolean;
}

export interface ReceivedMail extends ParsedMail {
  /** The message source exactly as received. */
  raw: string;
  envelope: { from: string; to: string[] };
  /** The authenticated user, when the session logged in. */
  authUser?: string | undefined;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** `smtp://127.0.0.1:{port}`, ready for the smtp transport config. */
  url: string;
  /** Parsed messages in the order the server accepted them. */
  messages: ReceivedMail[];
  /** Messages accepted so far (also counted when `parse` is false). */
  readonly count: number;
  /** Connections opened so far. */
  readonly connections: number;
  /** When each message was accepted (Date.now()), in order: rate limits are measured on these. */
  acceptedAt: number[];
  /** Message bodies read to their end so far, answered or not (a stalled server counts them too). */
  readonly received: number;
  /** Resolves once `count` reaches n; rejects after timeoutMs (default 5000). */
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let count = 0;
  let connections = 0;
  const acceptedAt: number[] = [];
  let received = 0;
  let rcptCounter = 0;
  const parse = options.parse ?? true;
  const authMethods = [
    ...(options.authRequired ? ['PLAIN', 'LOGIN'] : []),
    ...(options.xoauth2 ? ['XOAUTH2'] : []),
  ];
  const needsAuth = authMethods.length > 0;

  const failTransient = (): boolean => {
    const t = options.transientEvery;
    rcptCounter++;
    if (typeof t === 'number') return t > 0 && rcptCounter % t === 0;
    return typeof t === 'function' ? t() : false;
  };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !needsAuth,
    allowInsecureAuth: true,
    ...(needsAuth ? { authMethods } : {}),
    // Tests close the server while a stalled client may still be connected.
    closeTimeout: 100,
    onConnect(_session: SMTPServerSession, callback: (err?: Error | null) => void) {
      connections++;
      if (options.stall === 'greeting') return; // never greet
      callback();
    },
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.method === 'XOAUTH2') {
        const ok =
          options.xoauth2 &&
          auth.username === options.xoauth2.user &&
          auth.accessToken === options.xoauth2.accessToken;
        if (ok) return callback(null, { user: auth.username });
        return callback(null, {
          data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' },
        });
      }
      const want = options.authRequired;
      if (want && auth.username === want.user && auth.password === want.pass) {
        return callback(null, { user: auth.username });
      }
      return callback(replyError({ code: 535, message: 'Authentication credentials invalid' }));
    },
    onRcptTo(address, _session, callback) {
      const scripted = options.failRcpt?.(address.address);
      if (scripted) return callback(replyError(scripted));
      if (failTransient()) return callback(replyError({ code: 451, message: 'Greylisted, try again later' }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received++;
        if (options.stall === 'data') return; // never answer
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        if (options.stallData?.(envelope)) return;
        const finish = async () => {
          const scripted = options.failData?.(envelope);
          if (scripted) return callback(replyError(scripted));
          const raw = Buffer.concat(chunks);
          if (parse) {
            const parsed = await simpleParser(raw);
            const user: unknown = session.user;
            messages.push(
              Object.assign(parsed, {
                raw: raw.toString('utf8'),
                envelope,
                authUser: typeof user === 'string' ? user : undefined,
              }),
            );
          }
          count++;
          acceptedAt.push(Date.now());
          for (const wake of waiters) wake();
          callback(null, `Message queued as sink-${count}`);
        };
        const latency = options.latencyMs ?? 0;
        const run = () =>
          void finish().catch((err: unknown) =>
            callback(err instanceof Error ? err : new Error(String(err))),
          );
        if (latency > 0) setTimeout(run, latency);
        else run();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  // Errors on individual client sockets are expected in tests (clients time out and hang up).
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get count() {
      return count;
    },
    get connections() {
      return connections;
    },
    acceptedAt,
    get received() {
      return received;
    },
    waitForCount(n, timeoutMs = 5000) {
      if (count >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`smtp sink: ${count} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          if (count < n) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * For a describe block: returns a function that starts a sink, and closes every sink it started
 * after each test.
 */
export function smtpSinksPerTest(): (options?: SmtpSinkOptions) => Promise<SmtpSink> {
  const sinks: SmtpSink[] = [];
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close();
  });
  return async (options = {}) => {
    const s = await startSmtpSink(options);
    sinks.push(s);
    return s;
  };
}
