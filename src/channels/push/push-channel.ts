// Sends one deadline alert to one browser subscription with Web Push (RFC 8030/8291/8292).
//
// web-push does the cryptography (aes128gcm encryption to the subscription, the VAPID JWT); this module makes
// the HTTPS request itself instead of calling sendNotification, because sendNotification only has a socket
// idle timeout (a slow trickle never times out), no AbortSignal, and reports its timeout as an Error without a
// code, which we would have to classify by message text. Here every attempt has one deadline from connect to
// the end of the response, the caller can abort, and every failure has a status or an errno.
//
// The endpoint policy (endpoint-policy.ts) checks subscriptions when they are stored. At send time the channel
// checks where it really connects (connect-guard.ts): an address that is not public is refused, whether the
// endpoint names it or a name resolves to it now (DNS rebinding). Tests allow their loopback push service.
import https from 'node:https';
import webpush from 'web-push';
import type { Channel, PushMessage, SendOutcome } from '../channel.ts';
import {
  allowedAddressProblems,
  type ConnectGuard,
  createConnectGuard,
  type Resolver,
} from './connect-guard.ts';
import { classifyPushResponse, PUSH_LOCAL_CODES } from './push-errors.ts';
import {
  buildPushPayload,
  DEFAULT_PUSH_TIMEOUT_MS,
  DEFAULT_PUSH_TTL_SECONDS,
  type PushOptions,
  pushOptions,
} from './push-payload.ts';
import { type VapidDetails, validateVapid } from './vapid.ts';

/** Kept as a name for the push channel's message; the contract's PushMessage carries the threshold. */
export type PushDeliveryMessage = PushMessage;

export interface PushChannelOptions {
  /** The VAPID key pair and contact; validated here (createPushChannel throws PushConfigError when wrong). */
  vapid: VapidDetails;
  /** Seconds the push service keeps an undelivered message. Default 86400 (24 h). */
  ttlSeconds?: number;
  /** Deadline of one attempt, from connecting to the end of the response, in ms. Default 10000. */
  timeoutMs?: number;
  /**
   * The https.Agent for requests. Default: a keep-alive agent owned by the channel (closed by close()),
   * verifying certificates against the system's CAs. Only tests pass one, to trust the test push service's
   * self-signed certificate (`new https.Agent({ ca })`); the caller then closes it.
   */
  agent?: https.Agent;
  /** Clock for reading a Retry-After given as an HTTP date. Default Date.now. */
  now?: () => number;
  /**
   * Non-public addresses and CIDR ranges the channel may connect to anyway (KIGEN_PUSH_ALLOWED_ADDRESSES):
   * a push service on a private network, or the tests' service on 127.0.0.1. Default none.
   */
  allowedAddresses?: readonly string[];
  /** Resolves endpoint host names. Default the system resolver (dns.lookup); tests pass their own. */
  resolve?: Resolver;
}

/** Invalid push channel configuration; the message names the setting and what to do. */
export class PushConfigError extends Error {
  readonly code = 'PUSH_CONFIG';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`push channel configuration is invalid: ${problems.join('; ')}`);
    this.name = 'PushConfigError';
    this.problems = problems;
  }
}

/** How much of a response body we keep for the failure reason. */
const MAX_RESPONSE_BODY_CHARS = 1024;

/** A push channel. send() never throws: every failure comes back as a SendOutcome. */
export function createPushChannel(options: PushChannelOptions): Channel<PushDeliveryMessage> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
  const problems = validateVapid(options.vapid).map((problem) => problem.message);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) {
    problems.push('ttlSeconds: must be an integer ≥ 0');
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) problems.push('timeoutMs: must be a positive number');
  problems.push(
    ...allowedAddressProblems(options.allowedAddresses ?? []).map((p) => `allowedAddresses: ${p}`),
  );
  if (problems.length > 0) throw new PushConfigError(problems);
  const guard = createConnectGuard(options.allowedAddresses, options.resolve);

  const vapid = { ...options.vapid };
  const now = options.now ?? Date.now;
  const ownedAgent = options.agent === undefined ? new https.Agent({ keepAlive: true }) : undefined;
  const agent = options.agent ?? ownedAgent;
  let closed = false;

  async function send(message: PushDeliveryMessage, signal?: AbortSignal): Promise<SendOutcome> {
    if (closed) {
      return {
        status: 'failed',
        kind: 'fatal',
        code: PUSH_LOCAL_CODES.closed,
        reason: 'push channel is closed',
      };
    }
    if (signal?.aborted) return classifyPushResponse({ code: PUSH_LOCAL_CODES.aborted });

    let body: string;
    let pushOpts: PushOptions;
    try {
      body = JSON.stringify(buildPushPayload(message.notice, message.pushThresholdDays));
      pushOpts = pushOptions(message.notice, { ttlSeconds, timeoutMs });
    } catch (error) {
      return permanent(PUSH_LOCAL_CODES.invalidNotice, errorMessage(error));
    }

    const { subscription } = message;
    let url: URL;
    try {
      url = new URL(subscription.endpoint);
    } catch {
      return permanent(PUSH_LOCAL_CODES.invalidEndpoint, 'subscription endpoint is not a valid URL');
    }
    if (url.protocol !== 'https:') {
      return permanent(
        PUSH_LOCAL_CODES.invalidEndpoint,
        `subscription endpoint is not https (${url.protocol})`,
      );
    }

    const literal = guard.checkLiteral(url.hostname);
    if (literal) return permanent(PUSH_LOCAL_CODES.nonPublicAddress, literal.message);

    let request: PreparedRequest;
    try {
      request = prepareRequest(url, subscription.p256dh, subscription.auth, body, pushOpts, vapid);
    } catch (error) {
      // web-push's messages name the faulty key ("p256dh value should be 65 bytes") and never contain it.
      return permanent(PUSH_LOCAL_CODES.invalidSubscription, errorMessage(error));
    }
    return post(url, request, pushOpts.timeout, agent, guard, signal, now);
  }

  return {
    send,
    async close(): Promise<void> {
      closed = true;
      ownedAgent?.destroy();
    },
  };
}

interface PreparedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

/** The encrypted body and the RFC 8030 headers for one message. Throws on a malformed subscription. */
function prepareRequest(
  url: URL,
  p256dh: string,
  auth: string,
  payload: string,
  options: PushOptions,
  vapid: VapidDetails,
): PreparedRequest {
  const encrypted = webpush.encrypt(p256dh, auth, payload, 'aes128gcm');
  // The JWT audience is the origin we actually connect to, as WHATWG URL parses it.
  const { Authorization } = webpush.getVapidHeaders(
    url.origin,
    vapid.subject,
    vapid.publicKey,
    vapid.privateKey,
    'aes128gcm',
  );
  return {
    headers: {
      Authorization,
      TTL: String(options.TTL),
      Urgency: options.urgency,
      Topic: options.topic,
      'Content-Encoding': 'aes128gcm',
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(encrypted.cipherText.length),
    },
    body: encrypted.cipherText,
  };
}

function post(
  url: URL,
  request: PreparedRequest,
  timeoutMs: number,
  agent: https.Agent | undefined,
  guard: ConnectGuard,
  callerSignal: AbortSignal | undefined,
  now: () => number,
): Promise<SendOutcome> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal === undefined ? deadline : AbortSignal.any([deadline, callerSignal]);

  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (error: unknown): void => {
      // Which signal fired decides the code: the errors Node raises on abort all say ABORT_ERR.
      if (deadline.aborted) {
        settle({
          status: 'failed',
          kind: 'transient',
          code: PUSH_LOCAL_CODES.timeout,
          reason: `push service did not answer within ${timeoutMs} ms`,
        });
      } else if (callerSignal?.aborted) {
        settle(classifyPushResponse({ code: PUSH_LOCAL_CODES.aborted }));
      } else if (errorCode(error) === PUSH_LOCAL_CODES.nonPublicAddress) {
        // Permanent for this delivery, and the subscription is kept: the name may resolve properly again, and
        // deleting on a DNS answer would let whoever controls that DNS unsubscribe staff members.
        settle(permanent(PUSH_LOCAL_CODES.nonPublicAddress, errorMessage(error)));
      } else {
        settle(classifyPushResponse({ code: errorCode(error) }));
      }
    };

    const options = { method: 'POST', headers: request.headers, agent, signal, lookup: guard.lookup };
    const req = https.request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_RESPONSE_BODY_CHARS)
          text += chunk.slice(0, MAX_RESPONSE_BODY_CHARS - text.length);
      });
      res.on('error', fail);
      // A response cut off before its end (the service reset the connection) is a network failure.
      res.on('close', () => {
        if (!res.complete) fail({ code: 'ECONNRESET' });
      });
      res.on('end', () => {
        const location = res.headers.location;
        settle(
          classifyPushResponse(
            {
              statusCode: res.statusCode ?? 0,
              headers: res.headers,
              body: text,
              ...(location === undefined ? {} : { location }),
            },
            now(),
          ),
        );
      });
    });
    req.on('error', fail);
    req.end(request.body);
  });
}

function permanent(code: string, reason: string): SendOutcome {
  return { status: 'failed', kind: 'permanent', code, reason };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
