// `kigen run` as a process under a foreign TZ: the run date and the business-day gate follow the offices'
// time zone (Asia/Tokyo), never the process's (mistake 7); --force runs a holiday (mistake 8); the JSON
// summary and the exit codes scripts rely on; a fatal SMTP error and its recovery. The gate does not depend
// on the database engine, so these run once: on PostgreSQL when TEST_DATABASE_URL is set (fast), else PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarDateIn } from '../../src/domain/calendar-date.ts';
import { smtpSinksPerTest } from '../helpers/smtp-server.ts';
import { type CliTarget, cliTarget, digestIds, runCli } from '../run/cli-process.ts';
import { HOLIDAY, messageIdCounts, RUN_DATE } from '../run/harness.ts';

const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
const LOS_ANGELES = { TZ: 'America/Los_Angeles' };

describe(`kigen run and the calendar (${engine})`, () => {
  let target: CliTarget;
  const sink = smtpSinksPerTest();

  beforeAll(async () => {
    target = await cliTarget(engine, RUN_DATE);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('under TZ=America/Los_Angeles skips 2026-05-06 (振替休日 in Japan) by name; --force runs it and sends (mistakes 7, 8)', async () => {
    const prepared = await target.prepare();
    const server = await sink();
    const env = { ...prepared.env, ...LOS_ANGELES, SMTP_URL: server.url };

    const skipped = await runCli(['--date', HOLIDAY, '--json'], env);
    expect(skipped.code).toBe(0);
    expect(skipped.json).toMatchObject({
      runDate: HOLIDAY,
      timeZone: 'Asia/Tokyo',
      status: 'skipped',
      skip: { reason: 'holiday', name: 'こどもの日 振替休日' },
    });
    expect(server.count).toBe(0);

    const forced = await runCli(['--date', HOLIDAY, '--force', '--json'], env);
    expect(forced.code).toBe(0);
    expect(forced.json).toMatchObject({
      status: 'completed',
      exitCode: 0,
      forcedOn: 'holiday: こどもの日 振替休日',
    });
    expect(forced.json?.deliveries.email.sent).toBe(40);
    expect([...messageIdCounts(server)].sort()).toEqual(
      digestIds(HOLIDAY, prepared.staff)
        .map((id) => [id, 1])
        .sort(),
    );
    // The JSON summary carries the numbers an operator's script reads.
    const json = forced.json;
    expect(json?.statements.read).toBeGreaterThan(0);
    expect(json?.statements.write).toBeGreaterThan(0);
    expect(json?.phases.totalMs).toBeGreaterThan(0);
    expect(json?.phases.totalMs).toBeGreaterThanOrEqual(json?.phases.deliverMs ?? Number.NaN);
    expect(json?.memory.rssStartBytes).toBeGreaterThan(0);
    expect(json?.memory.rssPeakBytes).toBeGreaterThanOrEqual(json?.memory.rssStartBytes ?? Number.NaN);
    expect(json?.throughput.messagesPerSecond).toBeGreaterThan(0);
  });

  it('runs 2026-12-01 under TZ=America/Los_Angeles; wrong SMTP credentials stop it with exit 1, fixed ones finish it', async () => {
    const prepared = await target.prepare();

    // A business day under a foreign TZ: the run goes ahead — here into a relay refusing its credentials,
    // which stops it with exit code 1 and leaves every email pending ...
    const server = await sink({ authRequired: { user: 'kigen', pass: 'right' } });
    const wrong = await runCli(['--date', RUN_DATE, '--json'], {
      ...prepared.env,
      ...LOS_ANGELES,
      SMTP_URL: `smtp://kigen:wrong@127.0.0.1:${server.port}`,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.json).toMatchObject({ runDate: RUN_DATE, status: 'failed', fatal: { code: 'EAUTH' } });
    expect(wrong.json?.totals?.email).toEqual({ pending: 40, sent: 0, failed: 0, skipped: 0 });
    expect(server.count).toBe(0);

    // ... until the credentials are fixed: the rerun sends all of it.
    const fixed = await runCli(['--date', RUN_DATE, '--json'], {
      ...prepared.env,
      ...LOS_ANGELES,
      SMTP_URL: `smtp://kigen:right@127.0.0.1:${server.port}`,
    });
    expect(fixed.code).toBe(0);
    expect(fixed.json).toMatchObject({ status: 'completed', resumed: true });
    expect(fixed.json?.deliveries.email.sent).toBe(40);
    expect([...messageIdCounts(server)].sort()).toEqual(
      digestIds(RUN_DATE, prepared.staff)
        .map((id) => [id, 1])
        .sort(),
    );
  });

  it('without --date runs for today in Asia/Tokyo, whatever TZ the process has', async () => {
    const prepared = await target.prepare();
    const before = calendarDateIn(new Date(), 'Asia/Tokyo');
    const result = await runCli(['--dry-run', '--json'], { ...prepared.env, ...LOS_ANGELES });
    const after = calendarDateIn(new Date(), 'Asia/Tokyo');

    expect(result.code).toBe(0);
    expect([before, after]).toContain(result.json?.runDate);
    expect(result.json?.timeZone).toBe('Asia/Tokyo');
    // A dry run plans push only when push is configured (no VAPID keys here), as a live run would.
    expect(result.json?.deliveries.push.planned).toBe(0);
    expect(result.json?.push).toEqual({
      enabled: false,
      reason: 'VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT are not set',
    });
  });
});
