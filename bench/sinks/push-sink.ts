// The benchmark's Web Push sink, as its own process: an https server on 127.0.0.1 with a
// self-signed certificate, a fixed delay before each answer, scripted statuses, and counters.
// It does not decrypt or verify anything (the tests' push service does): it reads the body,
// notes whether a VAPID Authorization header came with it, and answers.
//
//   node bench/sinks/push-sink.ts [--port 0] [--latency-ms 50] [--gone-share 0.02]
//                                 [--unavailable-share 0.05] [--seed 1] [--cert-dir DIR]
//
// Endpoints are https://127.0.0.1:PORT/push/<anything>. The certificate's PEM is written to
// <cert-dir>/push-sink-ca.pem and reported as `caPath`: give it to a Node child as
// NODE_EXTRA_CA_CERTS so that it trusts the sink.
// --gone-share: that share of subscriptions answers 410 Gone, always (decided by seed and path).
// --unavailable-share: that share of requests answers 503 (decided by seed, path and attempt
//   number, so a retry has a fresh chance). Everything else answers 201 Created.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selfSignedCertificate } from '../../test/helpers/tls.ts';
import { parseNonNegative, parseShare, serveSink, unitHash } from './sink-process.ts';

export interface PushSinkStats {
  /** CPU the sink process used since start (or the last reset), ms: is the sink the bottleneck? */
  cpuMs: number;
  requests: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Bytes of request bodies. */
  bytes: number;
  /** TLS connections opened, and the most open at once. */
  connections: number;
  peakConnections: number;
  /** Requests without a `vapid t=…, k=…` Authorization header. */
  missingVapid: number;
  firstRequestAt: number;
  lastRequestAt: number;
}

function fresh(): Omit<PushSinkStats, 'cpuMs'> {
  return {
    requests: 0,
    statuses: {},
    bytes: 0,
    connections: 0,
    peakConnections: 0,
    missingVapid: 0,
    firstRequestAt: 0,
    lastRequestAt: 0,
  };
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'latency-ms': { type: 'string' },
    'gone-share': { type: 'string' },
    'unavailable-share': { type: 'string' },
    seed: { type: 'string' },
    'cert-dir': { type: 'string' },
  },
  strict: true,
});

const latencyMs = parseNonNegative('latency-ms', values['latency-ms'], 0);
const goneShare = parseShare('gone-share', values['gone-share']);
const unavailableShare = parseShare('unavailable-share', values['unavailable-share']);
const seed = parseNonNegative('seed', values.seed, 1);
const ownCertDir = values['cert-dir'] === undefined;
const certDir = values['cert-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kigen-push-sink-'));
fs.mkdirSync(certDir, { recursive: true });
const { key, cert } = selfSignedCertificate('127.0.0.1');
const caPath = path.join(certDir, 'push-sink-ca.pem');
fs.writeFileSync(caPath, cert);

let stats = fresh();
let open = 0;
let triesByPath = new Map<string, number>();

function decide(urlPath: string): number {
  if (!urlPath.startsWith('/push/')) return 404;
  if (goneShare > 0 && unitHash(seed, `gone:${urlPath}`) < goneShare) return 410;
  if (unavailableShare > 0) {
    const tries = (triesByPath.get(urlPath) ?? 0) + 1;
    triesByPath.set(urlPath, tries);
    if (unitHash(seed, `503:${urlPath}#${tries}`) < unavailableShare) return 503;
  }
  return 201;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const now = Date.now();
    stats.requests++;
    stats.bytes += bytes;
    if (stats.firstRequestAt === 0) stats.firstRequestAt = now;
    stats.lastRequestAt = now;
    if (!/^vapid t=\S+,\s*k=\S+$/.test(req.headers.authorization ?? '')) stats.missingVapid++;
    const status = req.method === 'POST' ? decide(req.url ?? '') : 405;
    const answer = () => {
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      const headers = status === 201 ? { Location: `/message/${stats.requests}` } : {};
      res.writeHead(status, headers);
      res.end();
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  });
}

const server = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, handle);
server.on('secureConnection', (socket) => {
  stats.connections++;
  open++;
  if (open > stats.peakConnections) stats.peakConnections = open;
  socket.on('close', () => {
    open--;
  });
});
server.on('tlsClientError', () => {});

server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveSink<PushSinkStats>({
    ready: { type: 'ready', port, caPath },
    stats: () => stats,
    reset: () => {
      stats = fresh();
      stats.peakConnections = open;
      triesByPath = new Map();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownCertDir) fs.rmSync(certDir, { recursive: true, force: true });
    },
  });
});
