// Retention against a real database: final deliveries lose the recipients' names once their run is
// over, old deliveries and audit rows go, a running run is never touched, and --dry-run changes nothing.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { pruneData } from '../../src/db/retention.ts';
import { testEngines } from '../helpers/databases.ts';
import { useEmptyDatabase } from '../helpers/empty-database.ts';

const NOW = new Date('2026-12-02T03:00:00Z');
const POLICY = { deliveryDays: 90, auditDays: 1095 };
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

const payload = (name: string) =>
  JSON.stringify({
    channel: 'email',
    notice: {
      staffId: 's',
      email: 'staff@example.jp',
      fullName: '職員 太郎',
      channel: 'email',
      sections: [
        {
          office: { id: 'o', name: 'さくら作業所' },
          alerts: [
            {
              type: 'renewal_overdue',
              officeId: 'o',
              recipientId: 'r1',
              name,
              reading: 'サトウ ジロウ',
              deadline: '2026-11-30',
              daysRemaining: -2,
              message: `${name}の更新期限が過ぎています`,
            },
          ],
        },
      ],
    },
  });

async function run(db: Db, date: string, status: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`INSERT INTO runs (run_date, scope, status)
    VALUES (${date}, 'production', ${status}) RETURNING id`.execute(db.k);
  return String(rows[0]?.id);
}

async function delivery(
  db: Db,
  runId: string,
  status: string,
  options: { errorKind?: string; createdDaysAgo?: number; name?: string } = {},
): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO deliveries (run_id, run_date, staff_id, channel, status, error_kind, payload, created_at)
    SELECT ${runId}::bigint, run_date, ${randomUUID()}::uuid, 'email', ${status}, ${options.errorKind ?? null},
           ${payload(options.name ?? '佐藤 次郎')}::jsonb, ${daysAgo(options.createdDaysAgo ?? 1)}::timestamptz
      FROM runs WHERE id = ${runId}::bigint RETURNING id`.execute(db.k);
  return String(rows[0]?.id);
}

async function state(db: Db) {
  const { rows } = await sql<{ id: string; scrubbed: boolean; names: boolean }>`
    SELECT id::text, payload_scrubbed_at IS NOT NULL AS scrubbed, payload::text LIKE '%佐藤%' AS names
      FROM deliveries ORDER BY id`.execute(db.k);
  const audit = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_logs`.execute(db.k);
  return { deliveries: rows, audit: audit.rows[0]?.n };
}

describe.each(testEngines())('retention on %s', (engine) => {
  const database = useEmptyDatabase(engine);
  let db: Db;
  beforeEach(() => {
    db = database();
  });

  it('scrubs final deliveries of finished runs, deletes old rows, and leaves a running run alone', async () => {
    const old = await run(db, '2026-08-01', 'completed');
    const done = await run(db, '2026-11-30', 'completed');
    const running = await run(db, '2026-12-01', 'running');
    await delivery(db, old, 'sent', { createdDaysAgo: 120 });
    const sent = await delivery(db, done, 'sent');
    const skipped = await delivery(db, done, 'skipped');
    const permanent = await delivery(db, done, 'failed', { errorKind: 'permanent' });
    const transient = await delivery(db, done, 'failed', { errorKind: 'transient' });
    const pending = await delivery(db, done, 'pending');
    const inFlight = await delivery(db, running, 'sent');
    const oldButRunning = await delivery(db, running, 'pending', { createdDaysAgo: 120 });
    await sql`INSERT INTO audit_logs (action, created_at) VALUES ('a', ${daysAgo(1200)}::timestamptz),
      ('b', ${daysAgo(1000)}::timestamptz), ('c', ${daysAgo(1)}::timestamptz)`.execute(db.k);

    const before = await state(db);
    const planned = await pruneData(db, POLICY, { dryRun: true, now: NOW });
    expect(planned).toEqual({ scrubbedPayloads: 3, deletedDeliveries: 1, deletedAuditRows: 1 });
    expect(await state(db)).toEqual(before);

    expect(await pruneData(db, POLICY, { now: NOW })).toEqual(planned);
    const after = await state(db);
    expect(after.audit).toBe(2);
    const byId = new Map(after.deliveries.map((d) => [d.id, d]));
    expect(after.deliveries).toHaveLength(7);
    for (const id of [sent, skipped, permanent])
      expect(byId.get(id)).toEqual({ id, scrubbed: true, names: false });
    // Still resendable by a rerun of the date, or their run is still running: the names stay.
    for (const id of [transient, pending, inFlight, oldButRunning]) {
      expect(byId.get(id)).toEqual({ id, scrubbed: false, names: true });
    }

    const { rows } = await sql<{
      p: unknown;
    }>`SELECT payload AS p FROM deliveries WHERE id = ${sent}::bigint`.execute(db.k);
    const p = (typeof rows[0]?.p === 'string' ? JSON.parse(rows[0].p) : rows[0]?.p) as {
      notice: { email: string; sections: Array<{ alerts: unknown[] }> };
    };
    expect(p.notice.email).toBe('staff@example.jp');
    expect(p.notice.sections[0]?.alerts).toEqual([
      {
        type: 'renewal_overdue',
        officeId: 'o',
        recipientId: 'r1',
        deadline: '2026-11-30',
        daysRemaining: -2,
      },
    ]);

    // A second prune finds nothing more to do.
    expect(await pruneData(db, POLICY, { now: NOW })).toEqual({
      scrubbedPayloads: 0,
      deletedDeliveries: 0,
      deletedAuditRows: 0,
    });
  });
});
