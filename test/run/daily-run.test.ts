// What one daily run sends, end to end in-process: runDaily over a real database (PGlite, and PostgreSQL
// when TEST_DATABASE_URL is set), the real email channel posting to the loopback SMTP sink (parsed with
// mailparser), and the real push channel posting to the loopback push service. Each test is one of the
// original batch's mistakes (docs/product.md) and fails against the behaviour described there.
import https from 'node:https';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPushChannel } from '../../src/channels/push/push-channel.ts';
import { generateVapidKeys } from '../../src/channels/push/vapid.ts';
import type { Db } from '../../src/db/database.ts';
import { truncateAll } from '../../src/db/seed/load-seed.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type Fixtures } from '../helpers/fixtures.ts';
import { type PushService, startPushService } from '../helpers/push-service.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import {
  addDays,
  deliveryRows,
  HOLIDAY,
  mailTo,
  messageIdCounts,
  messageIdOf,
  RUN_DATE,
  runOptions,
  runWith,
} from './harness.ts';

/** Position of each needle in `text`, failing loudly when one is missing. */
function positions(text: string, needles: string[]): number[] {
  return needles.map((needle) => {
    const at = text.indexOf(needle);
    if (at < 0) throw new Error(`"${needle}" is not in:\n${text}`);
    return at;
  });
}

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) < x);

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await sql<{ runs: number; deliveries: number; audits: number }>`
    SELECT (SELECT count(*)::int FROM runs) AS runs, (SELECT count(*)::int FROM deliveries) AS deliveries,
           (SELECT count(*)::int FROM audit_logs) AS audits`.execute(db.k);
  return { ...rows[0] } as Record<string, number>;
}

describe.each(testEngines())('daily run on %s', (engine) => {
  let db: Db;
  let fx: Fixtures;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await truncateAll(db);
    fx = createFixtures(db);
  });

  it('emails overdue recipients (deadline today and past), first, under an urgent subject (mistake 1)', async () => {
    const office = await fx.office({ name: 'さくら事業所' });
    const staff = await fx.staff({ offices: [office] });
    const today = await fx.recipient({ office, lastName: '青木', firstName: '本日', deadline: RUN_DATE });
    const past = await fx.recipient({
      office,
      lastName: '井上',
      firstName: '経過',
      deadline: addDays(RUN_DATE, -3),
    });
    const soon = await fx.recipient({
      office,
      lastName: '上田',
      firstName: '間近',
      deadline: addDays(RUN_DATE, 10),
    });
    const noAssessment = await fx.recipient({
      office,
      lastName: '江藤',
      firstName: '未完',
      deadline: null,
      deliverables: [],
    });
    const later = await fx.recipient({
      office,
      lastName: '大野',
      firstName: '先々',
      deadline: addDays(RUN_DATE, 60),
    });
    const server = await sink();

    const summary = await runWith(db, runOptions(), server.url);

    expect(summary).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(summary.deliveries.email).toMatchObject({ planned: 1, sent: 1, failed: 0 });
    const [mail, ...others] = mailTo(server, staff.email);
    expect(others).toHaveLength(0);
    expect(mail?.subject).toBe('【kigen】【至急】更新期限を過ぎた利用者がいます');
    const text = mail?.text ?? '';
    // The overdue table comes first (longest overdue first), then renewals, then missing assessments.
    expect(
      ascending(
        positions(text, [
          '【至急】更新期限を過ぎた利用者（2名）',
          `${past.name}　期限日: 2026年11月28日　期限切れ（3日経過）`,
          `${today.name}　期限日: 2026年12月1日　期限切れ（本日期限）`,
          '更新期限が近い利用者（1名）',
          `${soon.name}　期限日: 2026年12月11日　残り10日`,
          'アセスメントが完了していない利用者（1名）',
          noAssessment.name,
        ]),
      ),
    ).toBe(true);
    expect(text).not.toContain(later.name);
    const html = String(mail?.html);
    expect(
      ascending(positions(html, ['【至急】更新期限を過ぎた利用者（2名）', past.name, today.name, soon.name])),
    ).toBe(true);
  });

  it('decides email and push independently, each by its own threshold (mistake 2)', async () => {
    const service: PushService = await startPushService();
    const agent = new https.Agent({ ca: service.ca, keepAlive: true });
    const push = createPushChannel({
      vapid: { ...generateVapidKeys(), subject: 'mailto:ops@kigen.example.jp' },
      agent,
      timeoutMs: 5_000,
      allowedAddresses: ['127.0.0.1'],
    });
    try {
      const week = await fx.office({ name: '一週間事業所' });
      const month = await fx.office({ name: '三週間事業所' });
      await fx.recipient({ office: week, deadline: addDays(RUN_DATE, 7) });
      await fx.recipient({ office: month, deadline: addDays(RUN_DATE, 20) });
      // email off, push on: the original sent this person nothing at all
      const pushOnly = await fx.staff({ offices: [week], emailNotification: false, pushNotification: true });
      // the 20-day alert is outside the email threshold (5) but inside the push threshold (30)
      const pushWide = await fx.staff({
        offices: [month],
        pushNotification: true,
        emailThresholdDays: 5,
        pushThresholdDays: 30,
      });
      // and the other way round: inside the email threshold (30), outside the push threshold (5)
      const emailWide = await fx.staff({
        offices: [month],
        pushNotification: true,
        emailThresholdDays: 30,
        pushThresholdDays: 5,
      });
      const devices = new Map<string, string>();
      for (const s of [pushOnly, pushWide, emailWide]) {
        const sub = service.createSubscription();
        devices.set(s.id, sub.id);
        await fx.pushSubscription({ staff: s.id, endpoint: sub.endpoint, ...sub.keys });
      }
      const server = await sink();

      const summary = await runWith(db, runOptions(), server.url, { push });

      expect(summary.exitCode).toBe(0);
      expect(summary.deliveries.push).toMatchObject({ planned: 2, sent: 2 });
      expect(summary.deliveries.email).toMatchObject({ planned: 1, sent: 1 });
      expect(service.delivered(devices.get(pushOnly.id))).toHaveLength(1);
      expect(service.delivered(devices.get(pushWide.id))).toHaveLength(1);
      expect(service.delivered(devices.get(emailWide.id))).toHaveLength(0);
      expect(service.delivered(devices.get(pushOnly.id))[0]?.payload).toMatchObject({
        title: '期限アラート（一週間事業所）',
        data: { office_id: week, renewal_count: 1 },
      });
      expect(service.delivered(devices.get(pushWide.id))[0]?.payload).toMatchObject({
        data: { office_id: month, renewal_count: 1, push_threshold_days: 30 },
      });
      expect(server.messages.map((m) => m.envelope.to)).toEqual([[emailWide.email]]);
    } finally {
      await push.close();
      agent.destroy();
      await service.close();
    }
  });

  it('escapes HTML and script in recipient, office and staff names, and sends a text/plain part (mistake 6)', async () => {
    const officeName = '<script>alert("office")</script>&Co';
    const office = await fx.office({ name: officeName });
    const staff = await fx.staff({
      offices: [office],
      lastName: '<img src=x onerror=alert(1)>',
      firstName: `"'&`,
    });
    const recipient = await fx.recipient({
      office,
      lastName: '<b>太郎</b>',
      firstName: '</td><script>steal()</script>',
      deadline: addDays(RUN_DATE, 5),
    });
    const server = await sink();

    const summary = await runWith(db, runOptions(), server.url);

    expect(summary.deliveries.email.sent).toBe(1);
    const [mail] = mailTo(server, staff.email);
    const html = String(mail?.html);
    for (const raw of ['<script', '<img', '<b>', '</td><script']) expect(html).not.toContain(raw);
    expect(html).toContain('&lt;script&gt;alert(&quot;office&quot;)&lt;/script&gt;&amp;Co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;&#39;&amp; 様');
    expect(html).toContain('&lt;b&gt;太郎&lt;/b&gt; &lt;/td&gt;&lt;script&gt;steal()&lt;/script&gt;');
    // The plain part carries the names as they are: nothing there is interpreted.
    expect(mail?.text).toContain(`■ ${officeName}`);
    expect(mail?.text).toContain(`${staff.fullName} 様`);
    expect(mail?.text).toContain(recipient.name);
    const types = mail?.raw.match(/^Content-Type: [^;\r\n]+/gim)?.map((l) => l.toLowerCase()) ?? [];
    expect(types).toEqual(
      expect.arrayContaining([
        'content-type: multipart/alternative',
        'content-type: text/plain',
        'content-type: text/html',
      ]),
    );
  });

  it('sends one digest per staff member with a section per office (mistake 12)', async () => {
    const east = await fx.office({ name: 'あおば事業所' });
    const west = await fx.office({ name: 'わかば事業所' });
    const a = await fx.recipient({ office: east, deadline: addDays(RUN_DATE, 3) });
    const b = await fx.recipient({ office: west, deadline: addDays(RUN_DATE, 4) });
    const both = await fx.staff({ offices: [west, east] });
    const eastOnly = await fx.staff({ offices: [east] });
    const server = await sink();

    const summary = await runWith(db, runOptions(), server.url);

    expect(summary.deliveries.email).toMatchObject({ planned: 2, sent: 2 });
    const [digest, ...rest] = mailTo(server, both.email);
    expect(rest).toHaveLength(0);
    expect(
      ascending(positions(digest?.text ?? '', ['■ あおば事業所', a.name, '■ わかば事業所', b.name])),
    ).toBe(true);
    expect(mailTo(server, eastOnly.email)).toHaveLength(1);
    expect(mailTo(server, eastOnly.email)[0]?.text).not.toContain('わかば事業所');
    expect(server.count).toBe(2);
  });

  it("with grouping 'per-office' sends one email per office, each with its own Message-ID (mistake 12)", async () => {
    const east = await fx.office({ name: 'あおば事業所' });
    const west = await fx.office({ name: 'わかば事業所' });
    await fx.recipient({ office: east, deadline: addDays(RUN_DATE, 3) });
    await fx.recipient({ office: west, deadline: addDays(RUN_DATE, 4) });
    const both = await fx.staff({ offices: [west, east] });
    const server = await sink();

    const summary = await runWith(db, runOptions({ grouping: 'per-office' }), server.url);

    expect(summary.deliveries.email).toMatchObject({ planned: 2, sent: 2 });
    const mails = mailTo(server, both.email);
    expect(mails).toHaveLength(2);
    const sections = mails.map((m) => (m.text ?? '').match(/^■ .*$/gm));
    expect(sections.sort()).toEqual([['■ あおば事業所'], ['■ わかば事業所']]);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);
  });

  it('a rerun of the same date sends nothing again, and only what is new (mistake 5)', async () => {
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, 2) });
    const staff = [];
    for (let i = 0; i < 3; i++) staff.push(await fx.staff({ offices: [office] }));
    const server = await sink();

    const first = await runWith(db, runOptions(), server.url);
    expect(first).toMatchObject({ resumed: false, exitCode: 0 });
    expect(first.deliveries.email.sent).toBe(3);
    expect(server.count).toBe(3);

    const second = await runWith(db, runOptions(), server.url);
    expect(second).toMatchObject({ resumed: true, exitCode: 0, status: 'completed' });
    expect(second.deliveries.email).toMatchObject({ planned: 3, alreadyRecorded: 3, sent: 0 });
    expect(second.totals?.email).toEqual({ pending: 0, sent: 3, failed: 0, skipped: 0 });
    expect(server.count).toBe(3);

    // Someone joins the office later that day: a third run sends their email only.
    const newcomer = await fx.staff({ offices: [office] });
    const third = await runWith(db, runOptions(), server.url);
    expect(third.deliveries.email).toMatchObject({ planned: 4, alreadyRecorded: 3, sent: 1 });
    expect(server.count).toBe(4);
    expect(mailTo(server, newcomer.email)).toHaveLength(1);

    const expected = [...staff, newcomer].map((s) =>
      messageIdOf(RUN_DATE, { staffId: s.id, channel: 'email', device: '', officeKey: '' }),
    );
    expect([...messageIdCounts(server)].sort()).toEqual(expected.map((id) => [id, 1]).sort());
    const run = await db.k.selectFrom('runs').select(['status', 'attempts']).executeTakeFirstOrThrow();
    expect(run).toEqual({ status: 'completed', attempts: 3 });
  });

  it('a dry run counts what would be sent and writes and sends nothing', async () => {
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, -1) });
    const one = await fx.staff({ offices: [office] });
    const two = await fx.staff({ offices: [office] });
    const pushOnly = await fx.staff({ offices: [office], emailNotification: false, pushNotification: true });
    await fx.pushSubscription({
      staff: pushOnly.id,
      endpoint: 'https://push.example.jp/1',
      p256dh: 'p',
      auth: 'a',
    });
    const server = await sink();

    // Channels are passed on purpose: a dry run must not send even when it could. Push is not configured
    // here, so the dry run counts no push either, as a live run would plan none.
    const summary = await runWith(db, runOptions({ dryRun: true, listNotices: true }), server.url);

    expect(summary).toMatchObject({
      mode: 'dry-run',
      status: 'completed',
      exitCode: 0,
      offices: 1,
      staff: 3,
    });
    expect(summary.deliveries.email).toMatchObject({ planned: 2, sent: 0, attempts: 0 });
    expect(summary.deliveries.push.planned).toBe(0);
    expect(summary.push).toEqual({ enabled: false, reason: 'not configured' });
    expect(summary.notices?.map((n) => [n.staffId, n.channel, n.counts]).sort()).toEqual(
      [one.id, two.id].sort().map((id) => [id, 'email', { overdue: 1, renewal: 0, assessment: 0 }]),
    );
    expect(server.count).toBe(0);
    expect(await tableCounts(db)).toEqual({ runs: 0, deliveries: 0, audits: 0 });
  });

  it('gates on business days in Japan whatever TZ the process has; records a skip; --force runs a holiday (mistakes 7, 8)', async () => {
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(HOLIDAY, 5) });
    const staff = await fx.staff({ offices: [office] });
    const server = await sink();
    const savedTz = process.env.TZ;
    try {
      // Node applies a changed TZ at once: local-time Date methods now answer for Los Angeles.
      process.env.TZ = 'America/Los_Angeles';
      const skipped = await runWith(db, runOptions({ runDate: HOLIDAY }), server.url);
      expect(skipped).toMatchObject({
        status: 'skipped',
        exitCode: 0,
        skip: { reason: 'holiday', name: 'こどもの日 振替休日' },
      });
      expect(server.count).toBe(0);
      expect(await db.k.selectFrom('runs').select(['run_date', 'status', 'skip_reason']).execute()).toEqual([
        { run_date: HOLIDAY, status: 'skipped', skip_reason: 'holiday: こどもの日 振替休日' },
      ]);

      // 2026-05-07 00:00 in Tokyo is still 2026-05-06 in UTC: the original checked that UTC date, a holiday.
      process.env.TZ = 'Asia/Tokyo';
      const thursday = await runWith(db, runOptions({ runDate: '2026-05-07' }), server.url);
      expect(thursday).toMatchObject({ status: 'completed', exitCode: 0 });
      expect(thursday.deliveries.email.sent).toBe(1);

      const forced = await runWith(db, runOptions({ runDate: HOLIDAY, force: true }), server.url);
      expect(forced).toMatchObject({
        status: 'completed',
        exitCode: 0,
        forcedOn: 'holiday: こどもの日 振替休日',
      });
      expect(forced.deliveries.email.sent).toBe(1);
    } finally {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
    expect(mailTo(server, staff.email).map((m) => m.text?.match(/^\d{4}年\d+月\d+日/m)?.[0])).toEqual([
      '2026年5月7日',
      '2026年5月6日',
    ]);
    expect((await deliveryRows(db)).map((d) => d.status)).toEqual(['sent', 'sent']);
  });
});
