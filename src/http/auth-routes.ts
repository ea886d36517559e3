// /auth/*: request a magic link, confirm it (a page with a button, so a mail scanner that opens the
// link does not use it up), sign out, sign out everywhere.
import type {} from '@fastify/cookie';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignInService } from '../auth/sign-in-service.ts';
import { ServiceError } from '../services/service-errors.ts';
import { linkRefusedPage, linkSentPage, signInPage, verifyPage } from './html.ts';
import { type CookiePolicy, sessionCookieOptions } from './session-cookie.ts';

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/**
 * A refused form post of the sign-in pages as the person at the browser should see it: the status and
 * the problems in words, or null for what is not a problem with the form (left to the JSON handler).
 */
function formProblems(error: FastifyError | Error): { status: number; problems: string[] } | null {
  if (hasZodFastifySchemaValidationErrors(error)) {
    return { status: 400, problems: ['フォームの内容が正しくありません。ページを開き直してください。'] };
  }
  if (!(error instanceof ServiceError)) return null;
  if (error.code === 'SIGN_IN_LINK_INVALID') {
    return {
      status: 422,
      problems: ['このログイン用リンクは無効か、有効期限（15分）が切れたか、すでに使われています。'],
    };
  }
  if (error.kind === 'invalid')
    return { status: 422, problems: ['メールアドレスの形式で入力してください。'] };
  if (error.kind === 'rate_limited') {
    const minutes = Math.max(1, Math.ceil((error.retryAfterSeconds ?? 60) / 60));
    return {
      status: 429,
      problems: [`短い時間に何度も送信されました。${minutes}分ほどしてからお試しください。`],
    };
  }
  return null;
}

export function authRoutes(opts: { signIn: SignInService; cookie: CookiePolicy; afterSignInPath: string }) {
  return async function register(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const html = (reply: FastifyReply, status: number, body: string) =>
      reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

    // A browser that posted one of these forms gets a page again, with what was wrong; scripts (JSON)
    // and every other error go on to the server's JSON error handler.
    app.setErrorHandler((error: FastifyError | Error, request, reply) => {
      const found = isForm(request) ? formProblems(error) : null;
      if (!found) throw error;
      if (error instanceof ServiceError && error.retryAfterSeconds !== undefined)
        reply.header('retry-after', String(error.retryAfterSeconds));
      const path = request.url.split('?')[0];
      if (path === '/auth/verify') return html(reply, found.status, linkRefusedPage(found.problems));
      const typed = (request.body as Record<string, unknown> | undefined)?.email;
      return html(
        reply,
        found.status,
        signInPage({ email: typeof typed === 'string' ? typed.slice(0, 320) : '', problems: found.problems }),
      );
    });

    r.get(
      '/auth/sign-in',
      { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'The sign-in form (HTML)' } },
      async (_request, reply) => html(reply, 200, signInPage()),
    );

    r.post(
      '/auth/sign-in',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Send a sign-in link to an address (same answer whether or not it belongs to someone)',
          body: z.strictObject({ email: z.string().max(320) }),
        },
      },
      async (request, reply) => {
        opts.signIn.requestLink(request.body.email, request.ip);
        if (isForm(request)) return html(reply, 202, linkSentPage());
        return reply.code(202).send({
          status: 'accepted',
          message:
            'if the address belongs to a staff member, a sign-in link valid for 15 minutes is on its way',
        });
      },
    );

    r.get(
      '/auth/verify',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'The page a sign-in link opens: a button that confirms it (HTML)',
          querystring: z.object({ token: z.string().max(100) }),
        },
      },
      async (request, reply) => html(reply, 200, verifyPage(request.query.token)),
    );

    r.post(
      '/auth/verify',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Use a sign-in token: starts a session (cookie); a form post is redirected',
          body: z.strictObject({ token: z.string().max(100) }),
        },
      },
      async (request, reply) => {
        // Whatever session the browser had is replaced, never reused (session fixation).
        const previous = request.cookies[opts.cookie.name] ?? null;
        const session = await opts.signIn.verify(
          request.body.token,
          previous,
          request.headers['user-agent'] ?? null,
        );
        reply.setCookie(
          opts.cookie.name,
          session.sessionId,
          sessionCookieOptions(opts.cookie, session.expiresAt),
        );
        if (isForm(request)) return reply.code(303).header('location', opts.afterSignInPath).send();
        return reply.code(200).send({ staffId: session.staffId, expiresAt: session.expiresAt.toISOString() });
      },
    );

    const signOutSchema = { tags: ['auth'] };
    r.post(
      '/auth/sign-out',
      { config: { access: 'staff' }, schema: { ...signOutSchema, summary: 'End this browser session' } },
      async (request, reply) => {
        if (request.sessionId) await opts.signIn.signOut(request.sessionId);
        reply.clearCookie(opts.cookie.name, sessionCookieOptions(opts.cookie));
        if (isForm(request)) return reply.code(303).header('location', '/auth/sign-in').send();
        return reply.code(204).send();
      },
    );

    r.post(
      '/auth/sign-out-everywhere',
      {
        config: { access: 'staff' },
        schema: { ...signOutSchema, summary: 'End every session of the signed-in staff member' },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal) await opts.signIn.signOutEverywhere(principal.staffId);
        reply.clearCookie(opts.cookie.name, sessionCookieOptions(opts.cookie));
        if (isForm(request)) return reply.code(303).header('location', '/auth/sign-in').send();
        return reply.code(204).send();
      },
    );
  };
}
