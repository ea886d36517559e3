// /api/v1: thin routes. Each validates its input (zod, also the OpenAPI document), relies on the
// auth hooks for who may call it, calls one service, and shapes the answer.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import { calendarDateIn, isCalendarDate } from '../domain/calendar-date.ts';
import { CHANNELS, THRESHOLD_DAYS } from '../domain/types.ts';
import { officeAlerts } from '../run/office-alerts.ts';
import { notFound } from '../services/service-errors.ts';
import { HttpError } from './errors.ts';
import type { ServerDeps } from './types.ts';

const uuid = z.uuid({ error: 'must be a UUID' });
const date = z
  .string()
  .refine(isCalendarDate, { error: 'must be a calendar date YYYY-MM-DD' })
  .describe('YYYY-MM-DD');
const threshold = z.union(
  THRESHOLD_DAYS.map((d) => z.literal(d)) as [
    z.ZodLiteral<5>,
    z.ZodLiteral<10>,
    z.ZodLiteral<20>,
    z.ZodLiteral<30>,
  ],
);
const preferencesPatch = z
  .strictObject({
    emailNotification: z.boolean(),
    systemNotification: z.boolean().describe('Web Push'),
    inAppNotification: z.boolean(),
    emailThresholdDays: threshold,
    pushThresholdDays: threshold,
  })
  .partial()
  .describe('Fields left out keep their value; at least one channel must stay on');
const pushSubscription = z.object({
  endpoint: z.string().max(4096),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: z.string().max(200), auth: z.string().max(100) }),
  userAgent: z.string().max(1000).nullable().optional(),
});
const staffParams = z.object({ staffId: uuid });
const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;

export function apiRoutes(deps: ServerDeps) {
  return async function register(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // The auth hooks guarantee a principal on 'staff' and 'app_admin' routes; this only narrows the type.
    const me = (request: { principal: Principal | null }): Principal => {
      if (!request.principal) throw new HttpError(401, 'SIGN_IN_REQUIRED', 'sign in first');
      return request.principal;
    };

    r.get(
      '/api/v1/me',
      {
        config: { access: 'staff' },
        schema: { tags: ['me'], summary: 'Who is signed in, and the CSRF token of the session' },
      },
      async (request) => {
        const p = me(request);
        return {
          staffId: p.staffId,
          fullName: p.fullName,
          email: p.email,
          role: p.role,
          officeIds: p.officeIds,
          via: p.via,
          csrfToken: request.csrfToken,
        };
      },
    );

    r.get(
      '/api/v1/me/preferences',
      {
        config: { access: 'staff' },
        schema: { tags: ['preferences'], summary: 'My notification preferences' },
      },
      async (request) => deps.preferences.get(me(request), me(request).staffId),
    );
    r.put(
      '/api/v1/me/preferences',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['preferences'],
          summary: 'Change my notification preferences',
          body: preferencesPatch,
        },
      },
      async (request) => deps.preferences.update(me(request), me(request).staffId, request.body),
    );
    r.get(
      '/api/v1/staff/:staffId/preferences',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['preferences'],
          summary: "A staff member's preferences (manager/owner of a shared office, app_admin)",
          params: staffParams,
        },
      },
      async (request) => deps.preferences.get(me(request), request.params.staffId),
    );
    r.put(
      '/api/v1/staff/:staffId/preferences',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['preferences'],
          summary: "Change a staff member's preferences (manager/owner of a shared office, app_admin)",
          params: staffParams,
          body: preferencesPatch,
        },
      },
      async (request) => deps.preferences.update(me(request), request.params.staffId, request.body),
    );

    r.get(
      '/api/v1/push/vapid-public-key',
      {
        config: { access: 'public' },
        schema: { tags: ['push'], summary: 'The VAPID public key (404 when push is off)' },
      },
      async () => {
        if (!deps.vapidPublicKey) throw notFound('push (not configured on this server)');
        return { publicKey: deps.vapidPublicKey };
      },
    );
    r.get(
      '/api/v1/me/push-subscriptions',
      { config: { access: 'staff' }, schema: { tags: ['push'], summary: 'My devices that receive push' } },
      async (request) => ({ subscriptions: await deps.pushSubscriptions.list(me(request).staffId) }),
    );
    r.post(
      '/api/v1/me/push-subscriptions',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['push'],
          summary: 'Register this browser for push (PushSubscription.toJSON() plus userAgent)',
          body: pushSubscription,
        },
      },
      async (request, reply) => {
        const saved = await deps.pushSubscriptions.subscribe(me(request).staffId, request.body);
        return reply.code(saved.created ? 201 : 200).send(saved.subscription);
      },
    );
    r.delete(
      '/api/v1/me/push-subscriptions',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['push'],
          summary: 'Unregister a browser by its endpoint (always 204)',
          body: z.strictObject({ endpoint: z.string().max(4096) }),
        },
      },
      async (request, reply) => {
        await deps.pushSubscriptions.unsubscribe(me(request).staffId, { endpoint: request.body.endpoint });
        return reply.code(204).send();
      },
    );
    r.delete(
      '/api/v1/me/push-subscriptions/:subscriptionId',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['push'],
          summary: 'Unregister one of my devices',
          params: z.object({ subscriptionId: uuid }),
        },
      },
      async (request, reply) => {
        await deps.pushSubscriptions.unsubscribe(me(request).staffId, { id: request.params.subscriptionId });
        return reply.code(204).send();
      },
    );

    r.get(
      '/api/v1/me/api-tokens',
      { config: { access: 'staff' }, schema: { tags: ['me'], summary: 'My API tokens (never the secret)' } },
      async (request) => ({ tokens: await deps.signIn.listApiTokens(me(request).staffId) }),
    );
    r.post(
      '/api/v1/me/api-tokens',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['me'],
          summary: 'Create an API token for scripts; the token is shown only in this answer',
          body: z.strictObject({ name: z.string().min(1).max(100) }),
        },
      },
      async (request, reply) =>
        reply.code(201).send(await deps.signIn.createApiToken(me(request).staffId, request.body.name)),
    );
    r.delete(
      '/api/v1/me/api-tokens/:tokenId',
      {
        config: { access: 'staff' },
        schema: { tags: ['me'], summary: 'Revoke one of my API tokens', params: z.object({ tokenId: uuid }) },
      },
      async (request, reply) => {
        await deps.signIn.revokeApiToken(me(request).staffId, request.params.tokenId);
        return reply.code(204).send();
      },
    );

    r.get(
      '/api/v1/offices/:officeId/alerts',
      {
        config: { access: 'staff' },
        schema: {
          tags: ['offices'],
          summary: "An office's alerts for a date, as the daily run computes them (members and app_admin)",
          params: z.object({ officeId: uuid }),
          querystring: z.object({ date: date.optional() }),
        },
      },
      async (request) => {
        const runDate = request.query.date ?? calendarDateIn(new Date(), deps.timeZone);
        const found = await officeAlerts(deps.planReader, request.params.officeId, runDate);
        if (!found) throw notFound('office');
        return { runDate, timeZone: deps.timeZone, office: found.office, alerts: found.alerts };
      },
    );

    r.get(
      '/api/v1/runs',
      {
        config: { access: 'app_admin' },
        schema: {
          tags: ['runs'],
          summary: 'Run history, newest first (app_admin)',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            before: z
              .string()
              .regex(/^\d{1,18}$/, 'must be a run id')
              .optional(),
          }),
        },
      },
      async (request) => ({
        runs: await deps.runs.listRuns({ limit: request.query.limit, before: request.query.before }),
        inProgressHere: deps.runner.current(),
      }),
    );
    r.post(
      '/api/v1/runs',
      {
        config: { access: 'app_admin' },
        schema: {
          tags: ['runs'],
          summary: 'Start (or resume) the run for a date in the background, as `kigen run` does (app_admin)',
          body: z.strictObject({ date, force: z.boolean().default(false) }),
        },
      },
      async (request, reply) => {
        const started = await deps.runs.start(me(request).staffId, request.body.date, request.body.force);
        return reply.code(202).send({ status: 'started', runDate: started.runDate });
      },
    );
    r.get(
      '/api/v1/runs/:runId/deliveries',
      {
        config: { access: 'app_admin' },
        schema: {
          tags: ['runs'],
          summary: "A run's deliveries by id, filtered by status and channel, keyset paging (app_admin)",
          params: z.object({ runId: z.string().regex(/^\d{1,18}$/, 'must be a run id') }),
          querystring: z.object({
            status: z.enum(DELIVERY_STATUSES).optional(),
            channel: z.enum(CHANNELS).optional(),
            after: z
              .string()
              .regex(/^\d{1,18}$/, 'must be a delivery id')
              .optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
        },
      },
      async (request) => deps.runs.deliveries(request.params.runId, request.query),
    );
    r.get(
      '/api/v1/staff/:staffId/email-preview',
      {
        config: { access: 'app_admin' },
        schema: {
          tags: ['runs'],
          summary: 'The email a staff member would get for a date (app_admin)',
          params: staffParams,
          querystring: z.object({ date: date.optional() }),
        },
      },
      async (request) =>
        deps.preview.emailPreview(
          request.params.staffId,
          request.query.date ?? calendarDateIn(new Date(), deps.timeZone),
        ),
    );
  };
}
