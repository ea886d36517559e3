// The one place that decides what a push service's answer means. By status code and errno only, never by text.
import type { SendOutcome } from '../channel.ts';

/** An HTTP answer of a push service (headers as Node gives them: lower-case names). */
export interface PushHttpResponse {
  statusCode: number;
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The start of the response body, for the failure reason (push services explain 400s there). */
  body?: string;
  /** The Location header on success: the push message resource (RFC 8030 §5). */
  location?: string;
}

/** A failure before any HTTP answer: a Node system or TLS error, or one of the codes below. */
export interface PushNetworkError {
  code?: string | undefined;
}

/** Codes the push channel itself uses for failures without an HTTP status. */
export const PUSH_LOCAL_CODES = {
  /** The per-attempt deadline passed before the push service answered. */
  timeout: 'ETIMEDOUT',
  /** The caller aborted the send (shutdown): try again on the next run. */
  aborted: 'ABORTED',
  /** The notice cannot become a push payload (not exactly one office section). */
  invalidNotice: 'INVALID_NOTICE',
  /** The stored subscription cannot be encrypted to (bad p256dh / auth). */
  invalidSubscription: 'INVALID_SUBSCRIPTION',
  /** The endpoint is not an https URL. */
  invalidEndpoint: 'INVALID_ENDPOINT',
  /** send() after close(). */
  closed: 'CHANNEL_CLOSED',
  /** The endpoint's host is, or resolves to, a non-public address at send time (connect-guard.ts). */
  nonPublicAddress: 'NON_PUBLIC_ADDRESS',
} as const;

/**
 * Connection-level errnos worth another attempt. Anything not listed (TLS certificate errors, protocol
 * errors, unknown codes) is permanent for this delivery: a retry would meet the same wall.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ENOBUFS',
  'EMFILE',
  'ENFILE',
  'ERR_STREAM_PREMATURE_CLOSE',
  PUSH_LOCAL_CODES.timeout,
  PUSH_LOCAL_CODES.aborted,
]);

/** Longest Retry-After we pass on; a push service asking for more is treated as "much later". */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Turns a push service's answer (or a network error) into an outcome:
 * 2xx → sent; 404/410 → gone (delete the subscription); 429 and 5xx → transient, with Retry-After when given;
 * other statuses → permanent; network errnos in TRANSIENT_NETWORK_CODES → transient; any other error → permanent.
 * `nowMs` is only used to read a Retry-After given as an HTTP date.
 */
export function classifyPushResponse(
  input: PushHttpResponse | PushNetworkError,
  nowMs: number = Date.now(),
): SendOutcome {
  if ('statusCode' in input && typeof input.statusCode === 'number') {
    return classifyStatus(input, nowMs);
  }
  const raw = 'code' in input ? input.code : undefined;
  const code = typeof raw === 'string' && raw !== '' ? raw : 'UNKNOWN';
  if (TRANSIENT_NETWORK_CODES.has(code)) {
    return { status: 'failed', kind: 'transient', code, reason: networkReason(code) };
  }
  return { status: 'failed', kind: 'permanent', code, reason: networkReason(code) };
}

function classifyStatus(response: PushHttpResponse, nowMs: number): SendOutcome {
  const status = response.statusCode;
  const code = `HTTP_${status}`;
  if (status >= 200 && status <= 299) {
    return response.location === undefined
      ? { status: 'sent' }
      : { status: 'sent', providerId: response.location };
  }
  if (status === 404 || status === 410) return { status: 'gone', code };
  const reason = httpReason(status, response.body);
  if (status === 429 || (status >= 500 && status <= 599)) {
    const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), nowMs);
    return retryAfterMs === undefined
      ? { status: 'failed', kind: 'transient', code, reason }
      : { status: 'failed', kind: 'transient', code, reason, retryAfterMs };
  }
  return { status: 'failed', kind: 'permanent', code, reason };
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

function header(headers: PushHttpResponse['headers'], name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === 'string' ? value : value?.[0];
}

function httpReason(status: number, body: string | undefined): string {
  const what =
    status === 429
      ? 'push service rate limit'
      : status >= 500
        ? 'push service error'
        : status === 401 || status === 403
          ? 'push service refused the VAPID credentials (is the subscription made with this VAPID public key?)'
          : status === 413
            ? 'payload too large for the push service'
            : 'push service rejected the request';
  const detail = safeSnippet(body);
  return detail === '' ? `HTTP ${status}: ${what}` : `HTTP ${status}: ${what}: ${detail}`;
}

function networkReason(code: string): string {
  if (code === PUSH_LOCAL_CODES.timeout) return 'push service did not answer within the timeout';
  if (code === PUSH_LOCAL_CODES.aborted) return 'send aborted before the push service answered';
  return `cannot reach the push service (${code})`;
}

/** First 200 printable characters of a response body: enough to explain a 400, nothing to leak. */
function safeSnippet(body: string | undefined): string {
  if (body === undefined) return '';
  return body
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, 200);
}
