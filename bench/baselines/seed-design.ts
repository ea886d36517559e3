// THE SEED-DESIGN BASELINE. It exists only to measure the ratio of goal P1 (kigen vs the original
// batch, same data, same sink, same latency, same machine, same invocation). It is not kigen, it is
// not used by kigen, and its bugs are deliberate: it models the ORIGINAL Python batch's delivery
// strategy as the seed document (docs/seed/) and product.md describe it.
//
// What it models (and why each line is here):
// - Batch reads (seed "Phase 2 / 4.2"): 4 queries for everything, all held in memory: the offices,
//   the alert cycles of all offices, the staff of all offices, the push subscriptions of all staff,
//   with IN-lists of one bind parameter per id, as SQLAlchemy's in_() expands them.
// - Offices 10 at a time: asyncio.gather over all offices + Semaphore(10) (seed "Phase 4.1").
//   Inside an office, its staff are handled one after another.
// - A GLOBAL limit of 5 concurrent email sends (Semaphore(5)), and asyncio.sleep(0.1) after each
//   send while still holding the slot (the original's crude rate limit).
// - A NEW SMTP connection per message (a non-pooled nodemailer transport per email, closed after it).
// - One audit INSERT per email into audit_logs (the original never committed them; we do, which
//   costs a commit per row on PostgreSQL — well inside the noise of a 100 ms send).
// - One email per staff member per office (no digest), HTML only, with the original subject.
// - Overdue renewals are dropped (only days_remaining > 0 within 30 days, plus missing assessments).
// - A staff member with email off, or with nothing inside the email threshold, gets nothing at all
//   (push was only tried after an email); push with TTL 0, no timeout, one subscription after another.
// - Retries: up to 3 attempts of any failure, 1 s apart, all inside one 30 s budget.
// - One database session for everything (a pool of one connection).
//
// Usage (the harness runs it as a child process, like kigen):
//   node bench/baselines/seed-design.ts --date 2026-12-01 --smtp-url smtp://127.0.0.1:PORT
//        [--database-url postgres://…  |  --data-dir DIR (PGlite in DIR/pgdata)] [--push]
// --push needs VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT in the environment.
// Prints one JSON object: {model, runDate, offices, staff, wallMs, phases, emails, emailsFailed,
// pushes, statements: {read, write}, peakRssBytes, rssGrowthBytes, …}.
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import webpush from 'web-push';
import { renderEmail } from '../../src/channels/email/email-template.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import type { Alert, Notice } from '../../src/domain/types.ts';
import { type OfficeRow, readEverything, type StaffRow } from './seed-design-queries.ts';

const OFFICE_CONCURRENCY = 10;
const EMAIL_CONCURRENCY = 5;
const HOLD_AFTER_SEND_MS = 100;
const MAX_ATTEMPTS = 3;
const RETRY_WAIT_MS = 1000;
const RETRY_BUDGET_MS = 30_000;

const { values } = parseArgs({
  options: {
    date: { type: 'string' },
    'smtp-url': { type: 'string' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string' },
    push: { type: 'boolean', default: false },
    from: { type: 'string', default: 'kigen <kigen@example.jp>' },
    'app-name': { type: 'string', default: 'kigen' },
    'dashboard-url': { type: 'string', default: 'http://localhost:3000/' },
  },
  strict: true,
});

function usage(message: string): never {
  process.stderr.write(`seed-design: ${message}\n`);
  process.exit(2);
}

const runDate = values.date ?? usage('--date YYYY-MM-DD is required');
const smtpUrl = values['smtp-url'] ?? process.env.SMTP_URL ?? usage('--smtp-url (or SMTP_URL) is required');
const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
const dataDir = values['data-dir'] ?? process.env.KIGEN_DATA_DIR;
if (!databaseUrl && !dataDir) usage('--database-url or --data-dir is required');
const vapid = values.push
  ? {
      publicKey: process.env.VAPID_PUBLIC_KEY ?? usage('--push needs VAPID_PUBLIC_KEY'),
      privateKey: process.env.VAPID_PRIVATE_KEY ?? usage('--push needs VAPID_PRIVATE_KEY'),
      subject: process.env.VAPID_SUBJECT ?? usage('--push needs VAPID_SUBJECT'),
    }
  : null;

/** asyncio.Semaphore: at most `limit` callers inside at once, FIFO. */
function createSemaphore(limit: number) {
  let inside = 0;
  const waiting: Array<() => void> = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (inside >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else inside++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else inside--;
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The original's retry: any error, fixed wait, one budget shared by all attempts. */
async function withRetries(fn: () => Promise<void>): Promise<boolean> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return true;
    } catch {
      if (attempt >= MAX_ATTEMPTS || Date.now() - started + RETRY_WAIT_MS > RETRY_BUDGET_MS) return false;
      await sleep(RETRY_WAIT_MS);
    }
  }
}

async function main(): Promise<void> {
  const db: Db = await openDatabase(
    databaseUrl
      ? { kind: 'postgres', url: databaseUrl, maxConnections: 1 }
      : { kind: 'pglite', dataDir: path.join(dataDir as string, 'pgdata') },
  );
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > rssPeak) rssPeak = rss;
  }, 50);
  db.stats.reset();
  const started = performance.now();
  const counts = { emails: 0, emailsFailed: 0, pushSent: 0, pushGone: 0, pushFailed: 0, audits: 0 };
  let readMs = 0;
  let offices: OfficeRow[] = [];
  let staffCount = 0;
  try {
    const data = await readEverything(db.k, runDate);
    readMs = performance.now() - started;
    offices = data.offices;
    staffCount = new Set(data.staffRows.map((s) => s.id)).size;

    const officeSlot = createSemaphore(OFFICE_CONCURRENCY);
    const emailSlot = createSemaphore(EMAIL_CONCURRENCY);
    const template = {
      appName: values['app-name'] as string,
      dashboardUrl: values['dashboard-url'] as string,
    };
    const subject = `【${template.appName}】更新期限が近い利用者がいます`;

    const sendEmail = (staff: StaffRow, notice: Notice) =>
      emailSlot(async () => {
        const { html } = renderEmail(
          { deliveryKey: `${runDate}:${staff.id}:${notice.sections[0]?.office.id}`, runDate, notice },
          template,
        );
        const ok = await withRetries(async () => {
          // A new connection per message: the original created its SMTP client inside the send.
          const transport = nodemailer.createTransport(smtpUrl);
          try {
            await transport.sendMail({
              from: values.from,
              to: { name: staff.full_name, address: staff.email },
              subject,
              html,
            });
          } finally {
            transport.close();
          }
        });
        await sleep(HOLD_AFTER_SEND_MS);
        return ok;
      });

    const sendPushes = async (staff: StaffRow, office: OfficeRow, alerts: Alert[]) => {
      if (!vapid || !staff.system_notification) return;
      const kept = alerts.filter(
        (a) => a.type !== 'renewal_deadline' || (a.daysRemaining ?? 0) <= staff.push_threshold_days,
      );
      if (kept.length === 0) return;
      const renewal = kept.filter((a) => a.type === 'renewal_deadline').length;
      const assessment = kept.length - renewal;
      const payload = JSON.stringify({
        title: `期限アラート（${office.name}）`,
        body: `更新期限: ${renewal}件、アセスメント未完了: ${assessment}件`,
        data: {
          type: 'deadline_alert',
          office_id: office.id,
          office_name: office.name,
          renewal_count: renewal,
          assessment_count: assessment,
          push_threshold_days: staff.push_threshold_days,
        },
      });
      for (const sub of data.subscriptionsByStaff.get(staff.id) ?? []) {
        try {
          await webpush.sendNotification(
            { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh_key, auth: sub.auth_key } },
            payload,
            { TTL: 0, vapidDetails: vapid },
          );
          counts.pushSent++;
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404 || status === 410) {
            counts.pushGone++;
            await db.k.deleteFrom('push_subscriptions').where('id', '=', sub.id).execute();
          } else counts.pushFailed++;
        }
      }
    };

    const processOffice = async (office: OfficeRow) => {
      const alerts = data.alertsByOffice.get(office.id) ?? [];
      if (alerts.length === 0) return;
      for (const staff of data.staffByOffice.get(office.id) ?? []) {
        if (!staff.email_notification) continue;
        const kept = alerts.filter(
          (a) => a.type !== 'renewal_deadline' || (a.daysRemaining ?? 0) <= staff.email_threshold_days,
        );
        if (kept.length === 0) continue;
        const notice: Notice = {
          staffId: staff.id,
          email: staff.email,
          fullName: staff.full_name,
          channel: 'email',
          sections: [{ office: { id: office.id, name: office.name }, alerts: kept }],
        };
        const ok = await sendEmail(staff, notice);
        if (!ok) {
          counts.emailsFailed++;
          continue;
        }
        counts.emails++;
        await db.k
          .insertInto('audit_logs')
          .values({
            actor_id: null,
            action: 'deadline_alert_email_sent',
            target_type: 'staff',
            target_id: staff.id,
            office_id: office.id,
            details: JSON.stringify({ alert_count: kept.length, run_date: runDate }),
          })
          .execute();
        counts.audits++;
        await sendPushes(staff, office, alerts);
      }
    };

    // asyncio.gather(*[process_with_semaphore(o) for o in offices], return_exceptions=True)
    await Promise.allSettled(offices.map((office) => officeSlot(() => processOffice(office))));
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - started;
  const rssEnd = process.memoryUsage.rss();
  if (rssEnd > rssPeak) rssPeak = rssEnd;
  const statements = db.stats.snapshot();
  await db.close();
  process.stdout.write(
    `${JSON.stringify({
      model: 'seed-design',
      runDate,
      offices: offices.length,
      staff: staffCount,
      wallMs: Math.round(wallMs),
      phases: { readMs: Math.round(readMs), deliverMs: Math.round(wallMs - readMs) },
      emails: counts.emails,
      emailsFailed: counts.emailsFailed,
      pushes: { sent: counts.pushSent, gone: counts.pushGone, failed: counts.pushFailed },
      audits: counts.audits,
      statements: { read: statements.read, write: statements.write },
      peakRssBytes: rssPeak,
      rssStartBytes: rssStart,
      rssGrowthBytes: rssPeak - rssStart,
      processPeakRssBytes: process.resourceUsage().maxRSS * 1024,
      model_parameters: {
        officeConcurrency: OFFICE_CONCURRENCY,
        emailConcurrency: EMAIL_CONCURRENCY,
        holdAfterSendMs: HOLD_AFTER_SEND_MS,
        connectionPerMessage: true,
      },
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`seed-design: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
