// The operator pages (app_admin; others are told they do not exist): runs with "resume a date",
// one run's deliveries keyset-paged, the email preview, and health with the daily quota left.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RunListItem } from '../../db/run-queries.ts';
import { calendarDateIn, isCalendarDate } from '../../domain/calendar-date.ts';
import { CHANNELS, type ChannelName } from '../../domain/types.ts';
import { notFound, ServiceError } from '../../services/service-errors.ts';
import {
  type DeliveryViewStatus,
  type Flash,
  healthPage,
  PREVIEW_FRAME_CSP,
  previewPage,
  type RunRowView,
  runDeliveriesPage,
  runsPage,
  WEB_PATHS,
} from '../../web/index.ts';
import { DELIVERY_VIEW_STATUSES } from '../../web/view-models.ts';
import type { ServerDeps } from '../types.ts';
import { pageContext, principalOf, redirect, sendPage } from './page-support.ts';

const admin = { config: { access: 'app_admin' as const }, schema: { hide: true } };
const RUN_ID = /^\d{1,18}$/;
const DELIVERIES_PER_PAGE = 50;

type Query = Record<string, string | undefined>;
const query = (request: FastifyRequest): Query => (request.query ?? {}) as Query;

/** A runs-table row: the counts are the run's totals over the date (its summary). */
export function runRowView(run: RunListItem): RunRowView {
  const summary = (run.summary ?? {}) as {
    totals?: Record<string, { sent?: number; failed?: number; pending?: number; skipped?: number }>;
    deliveries?: Record<string, { sent?: number; failed?: number; pending?: number; skipped?: number }>;
  };
  const byChannel = Object.values(summary.totals ?? summary.deliveries ?? {});
  const sum = (key: 'sent' | 'failed' | 'pending' | 'skipped') =>
    byChannel.reduce((n, c) => n + (typeof c[key] === 'number' ? c[key] : 0), 0);
  return {
    id: run.id,
    date: run.runDate,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    sent: sum('sent'),
    failed: sum('failed'),
    pending: sum('pending'),
    skipped: sum('skipped'),
  };
}

export function adminPages(deps: ServerDeps) {
  const { web } = deps;
  const today = () => calendarDateIn(new Date(), deps.timeZone);
  return async function register(app: FastifyInstance): Promise<void> {
    const runs = async (request: FastifyRequest, flash?: Flash) => {
      const rows = await deps.runs.listRuns({ limit: 50 });
      return runsPage(
        pageContext(request, web.appName, flash),
        { runs: rows.map(runRowView), resumeDate: today() },
        { timeZone: deps.timeZone },
      );
    };
    app.get(WEB_PATHS.adminRuns, admin, async (request, reply) => {
      const started = query(request).started;
      const flash = isCalendarDate(started)
        ? { kind: 'success' as const, message: `${started} の実行を開始しました。` }
        : undefined;
      return sendPage(reply, 200, await runs(request, flash));
    });
    app.post(WEB_PATHS.adminRuns, admin, async (request, reply) => {
      const date = (request.body as Record<string, unknown> | undefined)?.date;
      if (!isCalendarDate(date)) {
        const flash = { kind: 'error' as const, message: '実行日を YYYY-MM-DD の形で指定してください。' };
        return sendPage(reply, 422, await runs(request, flash));
      }
      try {
        deps.runner.start(date, { force: false }, `web:${principalOf(request).staffId}`);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        return sendPage(reply, 409, await runs(request, { kind: 'error', message: error.message }));
      }
      return redirect(reply, `${WEB_PATHS.adminRuns}?started=${date}`);
    });

    app.get<{ Params: { runId: string } }>('/admin/runs/:runId', admin, async (request, reply) => {
      const { runId } = request.params;
      if (!RUN_ID.test(runId)) throw notFound('run');
      // The run is the first one before id + 1 (the runs list's own keyset).
      const [run] = await deps.runs.listRuns({ limit: 1, before: String(BigInt(runId) + 1n) });
      if (!run || run.id !== runId) throw notFound('run');
      const q = query(request);
      const status = DELIVERY_VIEW_STATUSES.find((s) => s === q.status) as DeliveryViewStatus | undefined;
      const channel = CHANNELS.find((c) => c === q.channel) as ChannelName | undefined;
      const after = q.after && RUN_ID.test(q.after) ? q.after : undefined;
      const page = await deps.runs.deliveries(runId, { status, channel, after, limit: DELIVERIES_PER_PAGE });
      const names = await web.staffNames(page.deliveries.map((d) => d.staffId));
      return sendPage(
        reply,
        200,
        runDeliveriesPage(
          pageContext(request, web.appName),
          {
            run: runRowView(run),
            filter: { status, channel },
            deliveries: page.deliveries.map((d) => ({
              id: d.id,
              staffName: names.get(d.staffId) ?? '（削除されたスタッフ）',
              address: d.email ?? 'プッシュ通知の端末',
              channel: d.channel as ChannelName,
              status: d.status,
              attempts: d.attempts,
              errorKind: d.errorKind,
              errorReason: d.errorReason,
              updatedAt: d.updatedAt,
            })),
            nextAfter: page.next,
          },
          { timeZone: deps.timeZone },
        ),
      );
    });

    /** The staff member and date of a preview request, or null (with a message) when there is none. */
    const previewTarget = async (request: FastifyRequest) => {
      const q = query(request);
      const date = isCalendarDate(q.date) ? q.date : today();
      const staffQuery = (q.staff ?? '').slice(0, 320);
      const staff = staffQuery.trim() ? await web.findStaff(staffQuery) : null;
      return { date, staffQuery, staff };
    };
    app.get(WEB_PATHS.adminPreview, admin, async (request, reply) => {
      const { date, staffQuery, staff } = await previewTarget(request);
      const ctx = pageContext(request, web.appName);
      if (!staff) {
        const message = staffQuery.trim()
          ? 'そのメールアドレスまたはIDのスタッフは見つかりません。'
          : undefined;
        return sendPage(reply, 200, previewPage(ctx, { staffQuery, date, message }));
      }
      const preview = await deps.preview.emailPreview(staff.id, date);
      if (!preview.email) {
        const message = `${staff.fullName} さんに ${date} に送るメールはありません。`;
        return sendPage(reply, 200, previewPage(ctx, { staffQuery, date, message }));
      }
      const params = new URLSearchParams({ staff: staff.id, date });
      return sendPage(
        reply,
        200,
        previewPage(ctx, {
          staffQuery,
          date,
          email: {
            staffName: staff.fullName,
            address: preview.email.to,
            subject: preview.email.subject,
            text: preview.email.text,
            htmlUrl: `${WEB_PATHS.adminPreview}/email.html?${params}`,
          },
        }),
      );
    });
    app.get(`${WEB_PATHS.adminPreview}/email.html`, admin, async (request, reply) => {
      const { date, staff } = await previewTarget(request);
      const preview = staff ? await deps.preview.emailPreview(staff.id, date) : null;
      if (!preview?.email) throw notFound('email');
      // Replaces the site CSP on this route only: the email uses inline styles; nothing may run.
      return reply
        .code(200)
        .header('content-security-policy', PREVIEW_FRAME_CSP)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(preview.email.html);
    });

    app.get(WEB_PATHS.adminHealth, admin, async (request, reply) => {
      const [problems, used, last] = await Promise.all([
        deps.readiness(),
        web.emailsSentLast24h(),
        deps.runs.listRuns({ limit: 1 }),
      ]);
      const lastRun = last[0];
      return sendPage(
        reply,
        200,
        healthPage(
          pageContext(request, web.appName),
          {
            checks: [
              {
                name: 'データベース',
                ok: problems.length === 0,
                detail: problems.length === 0 ? '接続でき、マイグレーションは最新です' : problems.join('; '),
              },
            ],
            quota: {
              dailyQuota: web.dailyQuota,
              usedLast24h: used,
              remaining: Math.max(0, web.dailyQuota - used),
            },
            lastRun: lastRun ? runRowView(lastRun) : null,
            pushEnabled: deps.vapidPublicKey !== null,
            checkedAt: new Date().toISOString(),
          },
          { timeZone: deps.timeZone },
        ),
      );
    });
  };
}
