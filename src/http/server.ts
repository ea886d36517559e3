// The Fastify app of `kigen serve`. buildServer registers, in order: security headers, body parsers,
// cookies, the auth hooks (principal, access, CSRF), then the route plugins (health, auth, API).
// The web pages are one more plugin registered after these (src/http/pages); they get the same hooks.
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { PAGE_CSP_DIRECTIVES } from '../web/csp.ts';
import { apiRoutes } from './api-routes.ts';
import { installAuthHooks } from './auth-hooks.ts';
import { authRoutes } from './auth-routes.ts';
import { installErrorHandlers } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import { webPages } from './pages/index.ts';
import { cookiePolicyFor } from './session-cookie.ts';
import type { ServerDeps } from './types.ts';

const copyDirectives = (d: Readonly<Record<string, readonly string[]>>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [k, [...v]]));

/** Largest request body by default: preferences and push subscriptions are a few hundred bytes. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const publicUrl = new URL(deps.publicUrl);
  const cookie = cookiePolicyFor(deps.publicUrl);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: deps.trustProxy ?? false,
    // Fastify's own request lines would log the query string, which may carry a sign-in token:
    // the onResponse hook below logs the path only.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      deps.onRoute?.({ method, url: route.url, access: route.config?.access ?? 'public' });
    }
  });
  installErrorHandlers(app);
  app.addHook('onResponse', async (request, reply) => {
    // At LOG_LEVEL=warn (production) a successful request costs no log work at all.
    if (reply.statusCode < 500 && !deps.logger.isLevelEnabled('info')) return;
    const path = request.url.split('?')[0] ?? '';
    const level =
      reply.statusCode >= 500 ? 'error' : path === '/healthz' || path === '/readyz' ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        path,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(request.principal ? { staffId: request.principal.staffId } : {}),
      },
      'request',
    );
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      // The pages' policy (src/web/csp.ts), no framing by anyone (the email preview's route sends its own).
      directives: {
        ...copyDirectives(PAGE_CSP_DIRECTIVES),
        'frame-ancestors': ["'none'"],
        'connect-src': ["'self'"],
        'upgrade-insecure-requests': cookie.secure ? [] : null,
      },
    },
    // Not no-referrer: with it Chromium sends "Origin: null" on the pages' own form posts, which the
    // origin check refuses. same-origin still sends nothing (no sign-in token) to other sites.
    referrerPolicy: { policy: 'same-origin' },
    // HSTS only means something over https.
    strictTransportSecurity: cookie.secure ? { maxAge: 15_552_000, includeSubDomains: true } : false,
  });
  await app.register(fastifyFormbody, { bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT });
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'kigen API',
        version: '1',
        description:
          'Deadline notifications for disability-welfare offices. Sign in by magic link (cookie session; writes need the x-csrf-token header) or send "Authorization: Bearer kgn_…".',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: cookie.name },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  installAuthHooks(app, { signIn: deps.signIn, cookie, publicOrigin: publicUrl.origin });

  await app.register(healthRoutes(deps));
  await app.register(
    authRoutes({ signIn: deps.signIn, cookie, afterSignInPath: deps.afterSignInPath ?? '/' }),
  );
  await app.register(apiRoutes(deps));
  await app.register(webPages(deps, cookie));
  return app;
}
