// The benchmark's SMTP sink, as its own process: smtp-server on 127.0.0.1 (no TLS), a fixed delay
// before answering the end of each DATA (a provider's latency), scripted faults, and counters.
// It does not parse messages: counting them and their bytes is all the benchmark needs.
//
//   node bench/sinks/smtp-sink.ts [--port 0] [--latency-ms 100] [--transient-share 0.05] [--seed 1]
//                                 [--fail-addresses a@x.jp,b@y.jp] [--auth user:pass]
//
// --transient-share: that share of RCPTs is answered 451. Whether a RCPT fails depends only on
//   (seed, address, how many times this address was tried), so a retry has a fresh chance and two
//   runs with the same seed fail the same messages.
// --fail-addresses: these recipients are answered 550 at RCPT (a permanent failure).
// --auth user:pass: require AUTH PLAIN/LOGIN with these credentials; without it AUTH is optional
//   (any credentials are accepted).
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { parseNonNegative, parseShare, serveSink, unitHash } from './sink-process.ts';

export interface SmtpSinkStats {
  /** CPU the sink process used since start (or the last reset), ms: is the sink the bottleneck? */
  cpuMs: number;
  /** Messages accepted (end of DATA answered 250). */
  messages: number;
  /** Bytes of accepted message data. */
  bytes: number;
  /** TCP connections opened. */
  connections: number;
  /** Most connections open at the same time. */
  peakConnections: number;
  rcpt: { accepted: number; transient: number; permanent: number };
  /** Epoch ms of the first and last accepted message (0 when none). */
  firstMessageAt: number;
  lastMessageAt: number;
  /** Accepted messages whose Message-ID header was accepted before (kigen derives it from the delivery key). */
  duplicates: number;
  /** Accepted messages without a Message-ID header (not counted for duplicates). */
  withoutMessageId: number;
}

function fresh(): Omit<SmtpSinkStats, 'cpuMs'> {
  return {
    messages: 0,
    bytes: 0,
    connections: 0,
    peakConnections: 0,
    rcpt: { accepted: 0, transient: 0, permanent: 0 },
    firstMessageAt: 0,
    lastMessageAt: 0,
    duplicates: 0,
    withoutMessageId: 0,
  };
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'latency-ms': { type: 'string' },
    'transient-share': { type: 'string' },
    seed: { type: 'string' },
    'fail-addresses': { type: 'string' },
    auth: { type: 'string' },
  },
  strict: true,
});

const latencyMs = parseNonNegative('latency-ms', values['latency-ms'], 0);
const transientShare = parseShare('transient-share', values['transient-share']);
const seed = parseNonNegative('seed', values.seed, 1);
const failAddresses = new Set(
  (values['fail-addresses'] ?? '')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean),
);
const [authUser, authPass] = values.auth ? values.auth.split(':', 2) : [undefined, undefined];
const authRequired = authUser !== undefined;

let stats = fresh();
let open = 0;
/** Tries per recipient, so the transient draw differs per attempt. */
let triesByAddress = new Map<string, number>();
/** Message-IDs accepted since the last reset, for the duplicate count (P8). */
let seenMessageIds = new Set<string>();
const MESSAGE_ID = /^message-id:[ \t]*(<[^>\r\n]+>)/im;

function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

const server = new SMTPServer({
  logger: false,
  disabledCommands: ['STARTTLS'],
  authOptional: !authRequired,
  allowInsecureAuth: true,
  disableReverseLookup: true,
  closeTimeout: 200,
  onConnect(_session, callback) {
    stats.connections++;
    open++;
    if (open > stats.peakConnections) stats.peakConnections = open;
    callback();
  },
  onClose() {
    open--;
  },
  onAuth(auth, _session, callback) {
    if (!authRequired || (auth.username === authUser && auth.password === authPass)) {
      return callback(null, { user: auth.username ?? 'anonymous' });
    }
    callback(replyError(535, 'Authentication credentials invalid'));
  },
  onRcptTo(address, _session, callback) {
    const to = address.address.toLowerCase();
    if (failAddresses.has(to)) {
      stats.rcpt.permanent++;
      return callback(replyError(550, 'No such user here'));
    }
    if (transientShare > 0) {
      const tries = (triesByAddress.get(to) ?? 0) + 1;
      triesByAddress.set(to, tries);
      if (unitHash(seed, `${to}#${tries}`) < transientShare) {
        stats.rcpt.transient++;
        return callback(replyError(451, 'Greylisted, try again later'));
      }
    }
    stats.rcpt.accepted++;
    callback();
  },
  onData(stream, _session, callback) {
    let bytes = 0;
    // The headers come first: keep the message's first 8 KB to find its Message-ID.
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (head.length < 8192) head += chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
    });
    stream.on('end', () => {
      const accept = () => {
        const now = Date.now();
        stats.messages++;
        stats.bytes += bytes;
        const headers = head.split(/\r?\n\r?\n/, 1)[0] ?? '';
        const id = MESSAGE_ID.exec(headers)?.[1];
        if (!id) stats.withoutMessageId++;
        else if (seenMessageIds.has(id)) stats.duplicates++;
        else seenMessageIds.add(id);
        if (stats.firstMessageAt === 0) stats.firstMessageAt = now;
        stats.lastMessageAt = now;
        callback(null, `Message queued as sink-${stats.messages}`);
      };
      if (latencyMs > 0) setTimeout(accept, latencyMs);
      else accept();
    });
  },
});
// A client hanging up mid-session is normal under load; it must not stop the sink.
server.on('error', () => {});

server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  serveSink<SmtpSinkStats>({
    ready: { type: 'ready', port },
    stats: () => stats,
    reset: () => {
      stats = fresh();
      stats.peakConnections = open;
      triesByAddress = new Map();
      seenMessageIds = new Set();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
});
