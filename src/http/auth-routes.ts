// /auth/*: request a magic link, confirm it (a page with a button, so a mail scanner that opens the
// link does not use it up), sign out, sign out everywhere.
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignInService } from '../auth/sign-in-service.ts';
import { linkSentPage, signInPage, verifyPage } from './html.ts';
import { type CookiePolicy, sessionCookieOptions } from './session-cookie.ts';

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

export function authRoutes(opts: { signIn: SignInService; cookie: CookiePolicy; afterSignInPath: string }) {
  return async function register(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const html = (reply: FastifyReply, status: number, body: string) =>
      reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

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
