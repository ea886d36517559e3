// GET /metrics on its own host and port, apart from the API: a scraper needs no session, and the
// listener can stay on a private interface (default 127.0.0.1) while the API faces the offices.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import { ConfigError } from '../config/errors.ts';
import type { Logger } from '../logger.ts';

/** What the listener serves; the Prometheus registry (metrics/) implements it. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface MetricsListenerOptions {
  /** Interface to listen on. Default 127.0.0.1 (KIGEN_METRICS_HOST). */
  host?: string;
  /** Port (KIGEN_METRICS_PORT); 0 picks a free one. */
  port: number;
  /** When set, a scrape must send `Authorization: Bearer <token>` (KIGEN_METRICS_TOKEN). Default none. */
  token?: string | null;
  metrics: MetricsExposition;
  logger?: Logger;
}

export interface MetricsListener {
  /** http://host:port/metrics as bound (with the real port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Starts the listener; throws ConfigError when the address cannot be bound (in use, not local). */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const host = options.host ?? '127.0.0.1';
  const expected = options.token ? digest(options.token) : null;
  const app = Fastify({ logger: false });
  app.get('/metrics', async (request, reply) => {
    if (expected && !bearerMatches(request.headers.authorization, expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="kigen metrics"')
        .type('text/plain; charset=utf-8')
        .send('a bearer token is required (KIGEN_METRICS_TOKEN)\n');
    }
    try {
      const text = await options.metrics.render();
      return reply.type(options.metrics.contentType).header('cache-control', 'no-store').send(text);
    } catch (error) {
      options.logger?.error({ err: error }, 'metrics: could not render the metrics');
      return reply.code(500).type('text/plain; charset=utf-8').send('metrics could not be collected\n');
    }
  });
  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code ?? 'error';
    throw new ConfigError([
      `KIGEN_METRICS_HOST/KIGEN_METRICS_PORT: cannot listen on ${host}:${options.port} (${code}); is another process using the port, or is the address not on this machine?`,
    ]);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (!expected && !LOOPBACK.test(host)) {
    options.logger?.warn(
      { host, port },
      'metrics: listening beyond loopback without KIGEN_METRICS_TOKEN; anyone who reaches the port can read them',
    );
  }
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () => app.close(),
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests in constant time, so the answer time says nothing about the token. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}
