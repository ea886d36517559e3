// A minimal node:http server for the browser tests: the sample pages, the static assets and the two
// push endpoints of the API, all under the strict CSP the real server will send. It stands in for
// h4's Fastify app; it records what the API received so tests can assert on it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webAssets } from '../../src/web/assets.ts';
import { pageCspHeader } from '../../src/web/csp.ts';
import { PREVIEW_FRAME_CSP } from '../../src/web/pages/admin-status.ts';
import { API_PATHS } from '../../src/web/paths.ts';
import { CSRF_TOKEN, hostilePage, previewEmailHtml, samplePages } from './sample-views.ts';

export interface ApiCall {
  method: string;
  path: string;
  csrf: string | undefined;
  body: unknown;
}

export interface WebTestServer {
  origin: string;
  /** API requests received, in order. */
  calls: ApiCall[];
  /** The VAPID public key answered by the key endpoint; null answers 404 (push off on the server). */
  setVapidPublicKey(key: string | null): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? null : JSON.parse(text);
}

export async function startWebTestServer(vapidPublicKey: string | null): Promise<WebTestServer> {
  let publicKey = vapidPublicKey;
  const calls: ApiCall[] = [];
  const pages = new Map([...samplePages(), hostilePage()].map((p) => [p.path, p]));
  const assets = new Map(webAssets().map((a) => [a.path, a]));
  const csp = pageCspHeader();

  const send = (
    response: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra = {},
  ): void => {
    response.writeHead(status, { 'content-type': type, 'content-security-policy': csp, ...extra });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const page = pages.get(url.pathname);
    const asset = assets.get(url.pathname);
    if (method === 'GET' && page) return send(response, 200, 'text/html; charset=utf-8', page.render());
    if (method === 'GET' && asset) {
      return send(response, 200, asset.contentType, asset.body, { 'cache-control': asset.cacheControl });
    }
    if (method === 'GET' && url.pathname === '/admin/preview/email.html') {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PREVIEW_FRAME_CSP,
      });
      response.end(previewEmailHtml());
      return;
    }
    if (method === 'GET' && url.pathname === API_PATHS.vapidPublicKey) {
      if (publicKey === null) return send(response, 404, 'application/json', '{"error":"push is off"}');
      return send(response, 200, 'application/json', JSON.stringify({ publicKey }));
    }
    if (url.pathname === API_PATHS.pushSubscriptions && (method === 'POST' || method === 'DELETE')) {
      const csrf = request.headers['x-csrf-token'];
      const call: ApiCall = {
        method,
        path: url.pathname,
        csrf: typeof csrf === 'string' ? csrf : undefined,
        body: await readJson(request),
      };
      calls.push(call);
      if (call.csrf !== CSRF_TOKEN) return send(response, 403, 'application/json', '{"error":"csrf"}');
      if (method === 'DELETE') {
        response.writeHead(204, { 'content-security-policy': csp });
        response.end();
        return;
      }
      return send(response, 201, 'application/json', '{}');
    }
    send(response, 404, 'text/plain; charset=utf-8', 'not found');
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, 'text/plain', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // localhost (not 127.0.0.1): a secure context for service workers and push, as in research 2.5.
    origin: `http://localhost:${port}`,
    calls,
    setVapidPublicKey: (key) => {
      publicKey = key;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
