// A real Web Push service on loopback for tests: HTTPS with a self-signed certificate for 127.0.0.1, checks the
// VAPID JWT (RFC 8292), decrypts aes128gcm bodies (RFC 8291) with http_ece like a browser would, records what
// arrived, and answers as scripted per subscription (404, 410, 503 then 201, delays, or never).
import {
  createECDH,
  createPublicKey,
  type ECDH,
  type KeyObject,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './tls.ts';

interface HttpEce {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
}
// http_ece ships no types and is CommonJS: load it through require and type the one function we use.
const ece = createRequire(import.meta.url)('http_ece') as HttpEce;

/** One scripted answer for the next request to a subscription. */
export interface ScriptStep {
  /** Status to answer. Default 201 (Created, with a Location header). */
  status?: number;
  /** Extra response headers, e.g. { 'Retry-After': '120' }. */
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the connection stays open until the service closes). */
  hang?: boolean;
  /** Drop the connection without answering (the client sees ECONNRESET). */
  reset?: boolean;
}

export interface TestSubscription {
  id: string;
  /** https://127.0.0.1:PORT/push/<id> */
  endpoint: string;
  /** base64url, as PushSubscription.toJSON() gives them. */
  keys: { p256dh: string; auth: string };
}

/** One request as the service saw it. */
export interface ReceivedPush {
  id: string;
  /** The status the service answered (0 while a hanging request is still open). */
  status: number;
  headers: {
    ttl: string | undefined;
    urgency: string | undefined;
    topic: string | undefined;
    contentEncoding: string | undefined;
  };
  /** The verified VAPID claims, or undefined when the Authorization header was missing or invalid. */
  vapid: { audience: string; subject: string; expiresAt: number; publicKey: string } | undefined;
  /** The decrypted body parsed as JSON (or the text when it is not JSON); undefined if it could not be read. */
  payload: unknown;
  /** Why the service refused the request, when it did on its own (bad VAPID, undecryptable body). */
  problem: string | undefined;
}

export interface PushService {
  /** https://127.0.0.1:PORT */
  origin: string;
  /** The self-signed certificate to trust (PEM). */
  ca: string;
  /** An agent that trusts `ca`, owned by the service (destroyed by close()). */
  agent: https.Agent;
  /** Every request in arrival order. */
  requests: ReceivedPush[];
  /** Requests answered with 2xx, optionally for one subscription. */
  delivered(id?: string): ReceivedPush[];
  /** Registers a subscription the service can decrypt for. */
  createSubscription(): TestSubscription;
  /** Queues answers for a subscription's next requests; after them it answers 201. */
  script(id: string, ...steps: ScriptStep[]): void;
  /** Forgets a subscription: later requests for it get 404, like an unsubscribed browser. */
  unsubscribe(id: string): void;
  close(): Promise<void>;
}

interface Subscriber {
  ecdh: ECDH;
  auth: string;
  steps: ScriptStep[];
}

const MAX_BODY_BYTES = 8192;

export async function startPushService(): Promise<PushService> {
  const { key, cert } = selfSignedCertificate('127.0.0.1');
  const subscribers = new Map<string, Subscriber>();
  const requests: ReceivedPush[] = [];
  let origin = '';

  const server = https.createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || match?.[1] === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const id = match[1];
    const body = await readBody(req);
    const record: ReceivedPush = {
      id,
      status: 0,
      headers: {
        ttl: single(req.headers.ttl),
        urgency: single(req.headers.urgency),
        topic: single(req.headers.topic),
        contentEncoding: single(req.headers['content-encoding']),
      },
      vapid: undefined,
      payload: undefined,
      problem: undefined,
    };
    requests.push(record);
    const answer = (status: number, headers: Record<string, string> = {}, text = ''): void => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(text);
    };

    const subscriber = subscribers.get(id);
    if (subscriber === undefined) return answer(404, {}, 'no such subscription');
    if (body === undefined) return answer(413, {}, 'payload too large');

    const vapid = verifyVapid(single(req.headers.authorization), origin, Date.now());
    if (typeof vapid === 'string') record.problem = vapid;
    else record.vapid = vapid;
    if (record.headers.contentEncoding !== 'aes128gcm') {
      record.problem ??= `unsupported Content-Encoding ${record.headers.contentEncoding}`;
    } else {
      try {
        const plain = ece
          .decrypt(body, { version: 'aes128gcm', privateKey: subscriber.ecdh, authSecret: subscriber.auth })
          .toString('utf8');
        record.payload = parseJson(plain);
      } catch (error) {
        record.problem ??= `cannot decrypt: ${String(error)}`;
      }
    }

    const step = subscriber.steps.shift() ?? {};
    if (step.hang === true) return; // closeAllConnections() in close() ends it
    if (step.reset === true) {
      req.socket.destroy();
      return;
    }
    if (step.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if (record.problem !== undefined && step.status === undefined) {
      return answer(record.vapid === undefined ? 401 : 400, {}, record.problem);
    }
    const status = step.status ?? 201;
    const headers = {
      ...(status === 201 ? { Location: `${origin}/message/${randomUUID()}` } : {}),
      ...step.headers,
    };
    answer(status, headers, step.body ?? '');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;
  const agent = new https.Agent({ ca: cert, keepAlive: true });

  return {
    origin,
    ca: cert,
    agent,
    requests,
    delivered: (id) =>
      requests.filter((r) => r.status >= 200 && r.status <= 299 && (id === undefined || r.id === id)),
    createSubscription() {
      const id = randomBytes(12).toString('base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      subscribers.set(id, { ecdh, auth, steps: [] });
      return {
        id,
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth },
      };
    },
    script(id, ...steps) {
      const subscriber = subscribers.get(id);
      if (subscriber === undefined) throw new Error(`script: unknown subscription ${id}`);
      subscriber.steps.push(...steps);
    },
    unsubscribe(id) {
      subscribers.delete(id);
    },
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A browser-like subscription on `service` (the service keeps its private key to decrypt). */
export function createTestSubscription(service: PushService): TestSubscription {
  return service.createSubscription();
}

/** Checks `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292 §3): ES256 signature, aud, exp, sub. */
function verifyVapid(
  authorization: string | undefined,
  audience: string,
  nowMs: number,
): NonNullable<ReceivedPush['vapid']> | string {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(
    authorization ?? '',
  );
  if (match?.[1] === undefined || match[2] === undefined)
    return 'missing or malformed VAPID Authorization header';
  const [jwt, k] = [match[1], match[2]];
  const [headerPart = '', claimsPart = '', signaturePart = ''] = jwt.split('.');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) return 'VAPID k is not an uncompressed P-256 point';
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    return 'VAPID k is not a P-256 public key';
  }
  const signed = Buffer.from(`${headerPart}.${claimsPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
    return 'VAPID JWT signature does not verify with k';
  }
  const header = Object(parseJson(Buffer.from(headerPart, 'base64url').toString('utf8'))) as {
    alg?: unknown;
  };
  const claims = Object(parseJson(Buffer.from(claimsPart, 'base64url').toString('utf8'))) as {
    aud?: unknown;
    exp?: unknown;
    sub?: unknown;
  };
  if (header.alg !== 'ES256') return `VAPID JWT alg ${String(header.alg)} is not ES256`;
  if (claims.aud !== audience) return `VAPID aud ${String(claims.aud)} is not ${audience}`;
  const nowSeconds = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || claims.exp > nowSeconds + 86_400) {
    return 'VAPID exp is not within the next 24 hours';
  }
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) {
    return 'VAPID sub is not a mailto: or https: URI';
  }
  return { audience: claims.aud, subject: claims.sub, expiresAt: claims.exp, publicKey: k };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
