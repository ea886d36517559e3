// The one place that decides who a request comes from and whether it may reach its route:
// a Bearer API token or the session cookie → request.principal; the route's `access` is enforced;
// office routes answer 404 to non-members; cookie-authenticated writes need the CSRF token.
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canSeeOffice, type Principal } from '../auth/principal.ts';
import { csrfTokenFor, sameSecret } from '../auth/secrets.ts';
import type { SignInService } from '../auth/sign-in-service.ts';
import { HttpError } from './errors.ts';
import { type CookiePolicy, sessionCookieOptions } from './session-cookie.ts';
import type { Access } from './types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The raw session id of a cookie-authenticated request (never logged). */
    sessionId: string | null;
    /** The CSRF token to put in forms (`_csrf`) or the `x-csrf-token` header; null without a session. */
    csrfToken: string | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installAuthHooks(
  app: FastifyInstance,
  opts: { signIn: SignInService; cookie: CookiePolicy; publicOrigin: string },
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('csrfToken', null);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access: Access = request.routeOptions.config?.access ?? 'public';
    const authorization = request.headers.authorization;
    let presented = false;
    if (authorization !== undefined) {
      presented = true;
      const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(authorization);
      const principal = match?.[1] ? await opts.signIn.principalForApiToken(match[1]) : null;
      if (principal) request.principal = { ...principal, via: 'api_token' };
    } else {
      const sessionId = request.cookies[opts.cookie.name];
      if (sessionId) {
        presented = true;
        const principal = sessionId.length <= 100 ? await opts.signIn.principalForSession(sessionId) : null;
        if (principal) {
          request.principal = { ...principal, via: 'session' };
          request.sessionId = sessionId;
          request.csrfToken = csrfTokenFor(sessionId);
        } else {
          // Expired or revoked: the browser forgets it.
          reply.clearCookie(opts.cookie.name, sessionCookieOptions(opts.cookie));
        }
      }
    }
    if (access === 'public') return;
    const p = request.principal;
    if (!p) {
      throw new HttpError(
        401,
        presented ? 'UNAUTHENTICATED' : 'SIGN_IN_REQUIRED',
        presented
          ? 'the session or API token is invalid, expired or revoked; sign in again'
          : 'sign in first (POST /auth/sign-in), or send an API token as "Authorization: Bearer …"',
      );
    }
    if (access === 'app_admin' && p.role !== 'app_admin') {
      throw new HttpError(403, 'FORBIDDEN', 'only an app_admin may do this');
    }
    const officeId = (request.params as Record<string, string> | undefined)?.officeId;
    if (officeId !== undefined && !canSeeOffice(p, officeId)) {
      throw new HttpError(404, 'NOT_FOUND', 'office not found');
    }
  });

  // Before validation: the body is parsed (forms too), and `_csrf` is taken out of it.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (!UNSAFE.has(request.method)) return;
    const origin = request.headers.origin;
    if (request.principal?.via !== 'api_token' && origin !== undefined && origin !== opts.publicOrigin) {
      throw new HttpError(403, 'CROSS_ORIGIN', `requests from ${origin} are not accepted`);
    }
    const body = request.body as Record<string, unknown> | undefined;
    const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? body._csrf : undefined;
    if (body && typeof body === 'object' && !Array.isArray(body)) delete body._csrf;
    // Public routes (sign-in, verify) act on nobody's authority, so a session cookie needs no token there.
    const access: Access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public' || request.principal?.via !== 'session' || !request.csrfToken) return;
    const header = request.headers['x-csrf-token'];
    const token = typeof header === 'string' ? header : typeof fromBody === 'string' ? fromBody : '';
    if (!sameSecret(token, request.csrfToken)) {
      throw new HttpError(
        403,
        'CSRF_TOKEN_INVALID',
        'missing or wrong CSRF token: send the x-csrf-token header (GET /api/v1/me gives it) or a _csrf form field',
      );
    }
  });
}
