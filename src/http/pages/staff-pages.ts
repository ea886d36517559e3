// The staff pages: sign-in, sign-out, the alerts of my offices (or one office), my settings, my
// devices, and a manager's office staff. Each calls the same services as /api/v1.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.ts';
import { businessDayCheck } from '../../domain/business-day.ts';
import { addDays, calendarDateIn, isCalendarDate } from '../../domain/calendar-date.ts';
import type { CalendarDate, Preferences } from '../../domain/types.ts';
import { officeAlerts } from '../../run/office-alerts.ts';
import { notFound, ServiceError } from '../../services/service-errors.ts';
import type { PreferencesFormBody } from '../../web/forms.ts';
import {
  devicesPage,
  managerPage,
  officeStaffPath,
  PREFERENCES_SAVED_MESSAGE,
  parsePreferencesForm,
  settingsPage,
  signInPage,
  staffHomePage,
  WEB_PATHS,
} from '../../web/index.ts';
import { type CookiePolicy, sessionCookieOptions } from '../session-cookie.ts';
import type { ServerDeps } from '../types.ts';
import { pageContext, principalOf, redirect, sendPage } from './page-support.ts';

// Pages are not part of the API document (openapi.json).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const staff = { config: { access: 'staff' as const }, schema: { hide: true } };
const open = { config: { access: 'public' as const }, schema: { hide: true } };

type Query = Record<string, string | undefined>;
const query = (request: FastifyRequest): Query => (request.query ?? {}) as Query;
const form = (request: FastifyRequest): Record<string, unknown> =>
  request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};

/** Whether a date is a business day (unknown years count as business days) and its neighbours. */
function businessDays(date: CalendarDate, closures: ServerDeps['web']['closures']) {
  const isBusiness = (d: CalendarDate): boolean | null => {
    try {
      return businessDayCheck(d, closures).business;
    } catch {
      return null; // outside the holiday data
    }
  };
  const step = (direction: 1 | -1): CalendarDate | undefined => {
    for (let d = addDays(date, direction), i = 0; i < 31; d = addDays(d, direction), i++) {
      const b = isBusiness(d);
      if (b === null) return undefined;
      if (b) return d;
    }
    return undefined;
  };
  return { isBusinessDay: isBusiness(date) !== false, previous: step(-1), next: step(1) };
}

/** The ServiceError `invalid` problems of a save, or rethrows. */
function saveProblems(error: unknown): string[] {
  if (error instanceof ServiceError && error.kind === 'invalid') return error.problems;
  throw error;
}

export function staffPages(deps: ServerDeps, cookie: CookiePolicy) {
  const { web } = deps;
  return async function register(app: FastifyInstance): Promise<void> {
    // ---------------------------------------------------------------- sign-in, sign-out
    app.get(WEB_PATHS.signIn, open, async (request, reply) => {
      if (request.principal) return redirect(reply, WEB_PATHS.home);
      return sendPage(reply, 200, signInPage(pageContext(request, web.appName), { state: 'form' }));
    });
    app.get(WEB_PATHS.signInSent, open, async (request, reply) =>
      sendPage(reply, 200, signInPage(pageContext(request, web.appName), { state: 'sent' })),
    );
    app.post(WEB_PATHS.signIn, open, async (request, reply) => {
      const email = form(request).email;
      const typed = typeof email === 'string' ? email.slice(0, 320) : '';
      try {
        deps.signIn.requestLink(typed, request.ip);
      } catch (error) {
        if (!(error instanceof ServiceError) || (error.kind !== 'invalid' && error.kind !== 'rate_limited'))
          throw error;
        const message =
          error.kind === 'invalid'
            ? 'メールアドレスの形式で入力してください。'
            : '短い時間に何度も送信されました。しばらくしてからお試しください。';
        return sendPage(
          reply,
          error.kind === 'invalid' ? 422 : 429,
          signInPage(pageContext(request, web.appName), { state: 'form', email: typed, error: message }),
        );
      }
      return redirect(reply, WEB_PATHS.signInSent);
    });
    app.post(WEB_PATHS.signOut, staff, async (request, reply) => {
      if (request.sessionId) await deps.signIn.signOut(request.sessionId);
      reply.clearCookie(cookie.name, sessionCookieOptions(cookie));
      return redirect(reply, WEB_PATHS.signIn);
    });

    // ---------------------------------------------------------------- alerts
    const home = async (request: FastifyRequest, officeIds: readonly string[], single?: string) => {
      const today = calendarDateIn(new Date(), deps.timeZone);
      const asked = query(request).date;
      const date = isCalendarDate(asked) ? asked : today;
      const found = await Promise.all(officeIds.map((id) => officeAlerts(deps.planReader, id, date)));
      const offices = found.filter((o): o is NonNullable<typeof o> => o !== null);
      // An office outside the data scope (or deleted) is as absent as another office's.
      if (single && offices.length === 0) throw notFound('office');
      const days = businessDays(date, web.closures);
      return staffHomePage(pageContext(request, web.appName), {
        date,
        today,
        isBusinessDay: days.isBusinessDay,
        previousBusinessDay: days.previous,
        nextBusinessDay: days.next,
        offices,
        singleOfficeId: single,
      });
    };
    app.get(WEB_PATHS.home, staff, async (request, reply) =>
      sendPage(reply, 200, await home(request, principalOf(request).officeIds)),
    );
    app.get<{ Params: { officeId: string } }>('/offices/:officeId', staff, async (request, reply) => {
      const { officeId } = request.params;
      if (!UUID.test(officeId)) throw notFound('office');
      return sendPage(reply, 200, await home(request, [officeId], officeId));
    });

    // ---------------------------------------------------------------- settings
    const settings = (request: FastifyRequest, preferences: Preferences, errors?: string[]) =>
      settingsPage(
        pageContext(
          request,
          web.appName,
          query(request).saved ? { kind: 'success', message: PREFERENCES_SAVED_MESSAGE } : undefined,
        ),
        { preferences, errors, pushAvailable: deps.vapidPublicKey !== null },
      );
    app.get(WEB_PATHS.settings, staff, async (request, reply) => {
      const p = principalOf(request);
      return sendPage(reply, 200, settings(request, await deps.preferences.get(p, p.staffId)));
    });
    app.post(WEB_PATHS.settings, staff, async (request, reply) => {
      const p = principalOf(request);
      const current = await deps.preferences.get(p, p.staffId);
      const parsed = parsePreferencesForm(form(request) as PreferencesFormBody, current);
      if (!parsed.ok)
        return sendPage(reply, 422, settings(request, { ...current, ...parsed.submitted }, parsed.errors));
      try {
        await deps.preferences.update(p, p.staffId, parsed.value);
      } catch (error) {
        return sendPage(reply, 422, settings(request, { ...current, ...parsed.value }, saveProblems(error)));
      }
      return redirect(reply, `${WEB_PATHS.settings}?saved=1`);
    });

    // ---------------------------------------------------------------- devices
    app.get(WEB_PATHS.devices, staff, async (request, reply) => {
      const p = principalOf(request);
      const [subscriptions, prefs] = await Promise.all([
        deps.pushSubscriptions.list(p.staffId),
        deps.preferences.get(p, p.staffId),
      ]);
      const flash = query(request).removed
        ? { kind: 'success' as const, message: '端末を削除しました。' }
        : undefined;
      return sendPage(
        reply,
        200,
        devicesPage(
          pageContext(request, web.appName, flash),
          {
            devices: subscriptions.map((s) => ({
              id: s.id,
              endpoint: s.endpoint,
              userAgent: s.userAgent,
              createdAt: s.createdAt,
            })),
            pushAvailable: deps.vapidPublicKey !== null,
            pushPreferenceOn: prefs.systemNotification,
          },
          { timeZone: deps.timeZone },
        ),
      );
    });
    app.post(WEB_PATHS.devicesRemove, staff, async (request, reply) => {
      const endpoint = form(request).endpoint;
      if (typeof endpoint === 'string' && endpoint.length <= 4096)
        await deps.pushSubscriptions.unsubscribe(principalOf(request).staffId, { endpoint });
      return redirect(reply, `${WEB_PATHS.devices}?removed=1`);
    });

    // ---------------------------------------------------------------- manager
    const manager = async (
      request: FastifyRequest,
      p: Principal,
      officeId: string,
      errors?: { staffId: string; messages: string[]; submitted: Preferences },
    ) => {
      const { office, members } = await web.officeStaff.members(p, officeId);
      return managerPage(
        pageContext(
          request,
          web.appName,
          query(request).saved ? { kind: 'success', message: PREFERENCES_SAVED_MESSAGE } : undefined,
        ),
        {
          office,
          staff: members.map((m) => ({
            staffId: m.id,
            fullName: m.fullName,
            role: m.role,
            email: m.email,
            preferences: errors?.staffId === m.id ? errors.submitted : m.preferences,
            editable: m.editable,
          })),
          errors: errors ? { staffId: errors.staffId, messages: errors.messages } : undefined,
        },
      );
    };
    app.get<{ Params: { officeId: string } }>('/offices/:officeId/staff', staff, async (request, reply) =>
      sendPage(reply, 200, await manager(request, principalOf(request), request.params.officeId)),
    );
    app.post<{ Params: { officeId: string; staffId: string } }>(
      '/offices/:officeId/staff/:staffId/preferences',
      staff,
      async (request, reply) => {
        const p = principalOf(request);
        const { officeId, staffId } = request.params;
        const { members } = await web.officeStaff.members(p, officeId);
        const target = members.find((m) => m.id === staffId && m.editable);
        if (!target) throw notFound('staff member');
        const parsed = parsePreferencesForm(form(request) as PreferencesFormBody, target.preferences);
        const submitted = { ...target.preferences, ...(parsed.ok ? parsed.value : parsed.submitted) };
        let messages = parsed.ok ? [] : parsed.errors;
        if (parsed.ok) {
          try {
            await deps.preferences.update(p, staffId, parsed.value);
          } catch (error) {
            messages = saveProblems(error);
          }
        }
        if (messages.length > 0)
          return sendPage(reply, 422, await manager(request, p, officeId, { staffId, messages, submitted }));
        return redirect(reply, `${officeStaffPath(officeId)}?saved=1`);
      },
    );
  };
}
