// The one place that decides how bad a failed email attempt is. It reads err.code and
// err.responseCode (and err.command for the reason), never the message text.
//
//   fatal      the run cannot send anything with this transport: stop and tell the operator
//              (bad credentials, bad configuration, TLS setup, a folder we may not write).
//   permanent  this message to this recipient will fail again: record it, do not retry.
//   transient  the connection, the server or the disk had a moment: retry with backoff.
//
// Order of the rules:
//   1. a fatal code wins, except an AUTH reply of class 4 (454 "temporary authentication
//      failure"), which is the server's trouble and is retried;
//   2. an authentication reply of RFC 4954 (530 authentication required, 534 mechanism too weak,
//      535 credentials invalid, 538 encryption required) is fatal wherever it comes: a server
//      that wants credentials at MAIL FROM refuses every message of the run the same way;
//   3. an SMTP reply code decides next: 4xx → transient, 5xx → permanent, except 503
//      ("bad sequence of commands": the session was in the wrong state, the message was not
//      refused; nodemailer's isPermanentResponseCode agrees) → transient;
//   4. otherwise the code: the tables below;
//   5. anything else, including a thrown non-Error, is transient. A wrong "transient" costs a
//      few capped, backed-off attempts; a wrong "permanent" silently loses a deadline notice.
import { maskPersonalData } from '../../domain/mask.ts';
import type { FailureKind } from '../channel.ts';

export interface SmtpErrorClass {
  kind: FailureKind;
  /** The SMTP reply code ('421', '550') or the error code ('ECONNECTION'); 'UNKNOWN' if neither. */
  code: string;
  /** Safe to store and log: e-mail addresses masked, control characters removed, bounded length. */
  reason: string;
}

/** Codes that mean no message of this run can go out until an operator acts. */
export const FATAL_CODES = [
  'EAUTH', // credentials refused
  'ENOAUTH', // the server wants credentials and none are configured
  'EOAUTH2', // the OAuth2 token could not be obtained or refreshed
  'ECONFIG', // invalid transport configuration
  'ETLS', // TLS handshake / STARTTLS failed: certificate or protocol mismatch, same for every message
  'EREQUIRETLS', // REQUIRETLS demanded but not offered
  'ERR_ACCESS_DENIED', // Node's permission model denied network or file access
  // outbox transport (file system)
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'EEXIST', // the outbox path exists and is not a folder
] as const;

/** Codes that concern this message or this recipient only. */
export const PERMANENT_CODES = [
  'EADDRESS', // the stored recipient address is not a valid mailbox (domain/email-address.ts)
  'EENVELOPE', // sender or recipients refused / invalid (without a reply code: e.g. no valid recipient)
  'EMESSAGE', // the message was refused
  'EMAXRECIPIENTS',
  'EFILEACCESS',
  'EURLACCESS',
] as const;

/** Codes known to pass: network trouble, timeouts, a cancelled attempt, a full disk. */
export const TRANSIENT_CODES = [
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPROTOCOL',
  'EPROXY',
  'ESTREAM',
  'EABORT',
  'EMAXLIMIT',
  'EFETCH',
  // outbox transport (file system)
  'ENOSPC',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
] as const;

/**
 * Failures of the connection to the server, not of one message: refused, unreachable, DNS, TLS, credentials,
 * a dropped or silent connection, 421 "service not available". When they hit message after message, the
 * server is down or unreachable and the run stops (the deliverer's circuit breaker) instead of trying each.
 */
export const CONNECTION_CODES = [
  'ECONNECTION',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPROTOCOL',
  'ETLS',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  '421',
] as const;
const CONNECTION = new Set<string>(CONNECTION_CODES);

/** Whether a classified failure concerns the connection to the server rather than this message. */
export function isConnectionFailure(failure: Pick<SmtpErrorClass, 'code'>): boolean {
  return CONNECTION.has(failure.code);
}

/** RFC 4954 replies that mean "this sender may not send": fatal whatever command drew them. */
export const FATAL_REPLY_CODES = [530, 534, 535, 538] as const;

const FATAL = new Set<string>(FATAL_CODES);
const FATAL_REPLIES = new Set<number>(FATAL_REPLY_CODES);
const PERMANENT = new Set<string>(PERMANENT_CODES);
const TRANSIENT = new Set<string>(TRANSIENT_CODES);

const MAX_REASON_LENGTH = 300;

interface ErrorFields {
  code: string | undefined;
  responseCode: number | undefined;
  command: string | undefined;
  response: string | undefined;
  message: string | undefined;
  originalCode: string | undefined;
}

function fieldsOf(err: unknown): ErrorFields {
  if (typeof err !== 'object' || err === null) {
    return {
      code: undefined,
      responseCode: undefined,
      command: undefined,
      response: undefined,
      message: err === undefined ? undefined : String(err),
      originalCode: undefined,
    };
  }
  const e = err as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const responseCode =
    typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? e.responseCode : undefined;
  return {
    code: str(e.code),
    responseCode,
    command: str(e.command),
    response: str(e.response),
    message: str(e.message),
    originalCode: str(e.originalCode),
  };
}

function kindOf(f: ErrorFields): FailureKind {
  const reply =
    f.responseCode !== undefined && f.responseCode >= 200 && f.responseCode < 600
      ? f.responseCode
      : undefined;
  const replyClass = reply === undefined ? undefined : Math.floor(reply / 100);
  if (f.code !== undefined && FATAL.has(f.code)) {
    return f.code === 'EAUTH' && replyClass === 4 ? 'transient' : 'fatal';
  }
  if (reply !== undefined) {
    if (FATAL_REPLIES.has(reply)) return 'fatal';
    if (replyClass === 5 && reply !== 503) return 'permanent';
    return 'transient';
  }
  if (f.code !== undefined) {
    if (PERMANENT.has(f.code)) return 'permanent';
    if (TRANSIENT.has(f.code)) return 'transient';
  }
  return 'transient';
}

/** Masks every e-mail address in free text (IDN domains and quoted local parts too): see domain/mask.ts. */
export function maskAddresses(text: string): string {
  return maskPersonalData(text);
}

function safeText(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const flat = maskAddresses(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const CREDENTIALS_HINT = 'check the SMTP user and password (SMTP URL) or the OAuth2 settings';

/** What an operator should do about a fatal failure, by code. */
function hintFor(code: string): string | undefined {
  switch (code) {
    case 'EAUTH':
    case 'ENOAUTH':
    case '530':
    case '534':
    case '535':
    case '538':
      return CREDENTIALS_HINT;
    case 'EOAUTH2':
      return 'check the OAuth2 client id, client secret and refresh token';
    case 'ETLS':
    case 'EREQUIRETLS':
      return 'check the SMTP host, port and TLS mode (smtps:// for port 465, smtp:// for 587)';
    case 'ECONFIG':
      return 'check the mail transport configuration';
    case 'ERR_ACCESS_DENIED':
      return 'grant network and file access to the process';
    default:
      return 'check that the outbox folder exists and is writable';
  }
}

export function classifySmtpError(err: unknown): SmtpErrorClass {
  const f = fieldsOf(err);
  const kind = kindOf(f);
  // A fatal code names the problem better than the reply (EAUTH beats 535); otherwise the
  // reply code is the most precise, stable thing we have.
  const code =
    f.code !== undefined && FATAL.has(f.code) && kind === 'fatal'
      ? f.code
      : f.responseCode !== undefined
        ? String(f.responseCode)
        : (f.code ?? 'UNKNOWN');
  const where = [f.code, f.originalCode && f.originalCode !== f.code ? `(${f.originalCode})` : undefined]
    .filter(Boolean)
    .join(' ');
  const at = f.command ? ` at ${f.command}` : '';
  const detail = f.response ?? f.message ?? 'no detail';
  const prefix = where && where !== code ? `${code} ${where}` : code;
  const hint = kind === 'fatal' ? ` (${hintFor(code)})` : '';
  return {
    kind,
    code,
    reason: safeText(`${prefix}${at}: ${detail}`, MAX_REASON_LENGTH - hint.length) + hint,
  };
}
