// The read path of the daily run: each function is one statement over a bounded chunk of offices.
// None of them is called inside a per-office or per-staff loop.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type {
  CalendarDate,
  LatestCycle,
  Office,
  PushSubscriptionRecord,
  StaffRecord,
  ThresholdDays,
} from '../domain/types.ts';
import type { Database } from './schema.ts';

export type DataScope = 'production' | 'test';

const isTest = (scope: DataScope) => scope === 'test';

/**
 * The next keyset chunk of live offices after `afterId` (ORDER BY id, LIMIT n); with `officeIds`,
 * only those offices (ids must be uuids: the caller validates input first).
 */
export async function officeChunk(
  k: Kysely<Database>,
  opts: { scope: DataScope; afterId: string | null; limit: number; officeIds?: readonly string[] },
): Promise<Office[]> {
  if (opts.officeIds?.length === 0) return [];
  let q = k
    .selectFrom('offices')
    .select(['id', 'name'])
    .where('deleted_at', 'is', null)
    .where('is_test_data', '=', isTest(opts.scope))
    .orderBy('id')
    .limit(opts.limit);
  if (opts.afterId) q = q.where('id', '>', opts.afterId);
  if (opts.officeIds) q = q.where('id', '=', sql<string>`ANY(${opts.officeIds}::uuid[])`);
  return q.execute();
}

/** How many live offices of the scope there are: the planning phase's known total (progress). */
export async function countOffices(k: Kysely<Database>, scope: DataScope): Promise<number> {
  const row = await k
    .selectFrom('offices')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('deleted_at', 'is', null)
    .where('is_test_data', '=', isTest(scope))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Live staff linked to any of the offices, with preferences and all their live offices. */
export async function staffForOffices(
  k: Kysely<Database>,
  officeIds: readonly string[],
  scope: DataScope,
): Promise<StaffRecord[]> {
  if (officeIds.length === 0) return [];
  // One (staff, live office) tuple per element, grouped here. The rows travel as a single JSON value:
  // PGlite decodes each row and column in JavaScript, so one value is several times faster there.
  type Row = [string, string, string, boolean, boolean, boolean, number, number, string, string];
  const rows = await jsonRows<Row>(
    sql`
    WITH chunk_staff AS (SELECT DISTINCT staff_id FROM office_staffs WHERE office_id = ANY(${officeIds}::uuid[]))
    SELECT json_build_array(s.id, s.email, s.full_name, s.email_notification, s.system_notification,
             s.in_app_notification, s.email_threshold_days, s.push_threshold_days, o.id, o.name) AS r
      FROM chunk_staff c
      JOIN staffs s ON s.id = c.staff_id
      JOIN office_staffs m ON m.staff_id = s.id
      JOIN offices o ON o.id = m.office_id
     WHERE s.deleted_at IS NULL AND s.is_test_data = ${isTest(scope)}
       AND o.deleted_at IS NULL AND o.is_test_data = ${isTest(scope)}
     ORDER BY s.id, o.id`,
    k,
  );
  const staff: StaffRecord[] = [];
  for (const [
    id,
    email,
    fullName,
    emailOn,
    pushOn,
    inAppOn,
    emailDays,
    pushDays,
    officeId,
    officeName,
  ] of rows) {
    const last = staff.at(-1);
    const office = { id: officeId, name: officeName };
    if (last?.id === id) {
      last.offices.push(office);
      continue;
    }
    staff.push({
      id,
      email,
      fullName,
      preferences: {
        emailNotification: emailOn,
        systemNotification: pushOn,
        inAppNotification: inAppOn,
        emailThresholdDays: emailDays as ThresholdDays,
        pushThresholdDays: pushDays as ThresholdDays,
      },
      offices: [office],
    });
  }
  return staff;
}

type LatestCycleRow = [string, string, string, string, string | null, boolean, string | null, string | null];

/**
 * The latest cycles of the offices that can raise an alert on runDate, one JSON array per row, in
 * (office, recipient) order: a deadline within `windowDays` (overdue included) or no assessment sheet.
 * The daily run's chunks and one office's alerts (officeWithLatestCycles) share it, so both apply the same rules.
 */
function latestCyclesQuery(
  officeIds: readonly string[],
  runDate: CalendarDate,
  windowDays: number,
  scope: DataScope,
): RawBuilder<{ r: LatestCycleRow }> {
  return sql`
    SELECT json_build_array(c.office_id, r.id, r.last_name, r.first_name, c.next_renewal_deadline, a.has_assessment,
             r.last_name_reading, r.first_name_reading) AS r
      FROM support_plan_cycles c
      JOIN welfare_recipients r ON r.id = c.welfare_recipient_id
      CROSS JOIN LATERAL (
        SELECT EXISTS (SELECT 1 FROM plan_deliverables d
                        WHERE d.plan_cycle_id = c.id AND d.deliverable_type = 'assessment_sheet') AS has_assessment
      ) a
     WHERE c.office_id = ANY(${officeIds}::uuid[]) AND c.is_latest_cycle AND r.is_test_data = ${isTest(scope)}
       AND (c.next_renewal_deadline <= ${runDate}::date + ${windowDays}::int OR NOT a.has_assessment)
     ORDER BY c.office_id, r.id`;
}

const toLatestCycle = ([
  officeId,
  recipientId,
  lastName,
  firstName,
  nextRenewalDeadline,
  hasAssessment,
  lastReading,
  firstReading,
]: LatestCycleRow): LatestCycle => ({
  officeId,
  recipientId,
  lastName,
  firstName,
  nextRenewalDeadline,
  hasAssessment,
  ...(lastReading ? { lastNameReading: lastReading, firstNameReading: firstReading } : {}),
});

/**
 * Latest cycles of the offices that can raise an alert on runDate: a deadline within
 * `windowDays` (overdue included) or no assessment sheet. The domain decides the alerts.
 */
export async function latestCyclesForOffices(
  k: Kysely<Database>,
  officeIds: readonly string[],
  runDate: CalendarDate,
  windowDays: number,
  scope: DataScope,
): Promise<LatestCycle[]> {
  if (officeIds.length === 0) return [];
  const rows = await jsonRows(latestCyclesQuery(officeIds, runDate, windowDays, scope), k);
  return rows.map(toLatestCycle);
}

/**
 * One live office of the scope and its latest cycles (as latestCyclesForOffices reads them), in one
 * statement: the API's alerts of one office cost one round trip. null when there is no such office.
 * `officeId` must be a uuid (the caller validates input first).
 */
export async function officeWithLatestCycles(
  k: Kysely<Database>,
  officeId: string,
  runDate: CalendarDate,
  windowDays: number,
  scope: DataScope,
): Promise<{ office: Office; cycles: LatestCycle[] } | null> {
  const cycles = latestCyclesQuery([officeId], runDate, windowDays, scope);
  const { rows } = await sql<{ id: string; name: string; cycles: LatestCycleRow[] | string | null }>`
    SELECT o.id, o.name,
           (SELECT coalesce(json_agg(q.r ORDER BY q.n), '[]')
              FROM (SELECT row_number() OVER () AS n, x.r FROM (${cycles}) x) q) AS cycles
      FROM offices o
     WHERE o.id = ${officeId}::uuid AND o.deleted_at IS NULL AND o.is_test_data = ${isTest(scope)}`.execute(
    k,
  );
  const row = rows[0];
  if (!row) return null;
  const value = row.cycles ?? [];
  const list = typeof value === 'string' ? (JSON.parse(value) as LatestCycleRow[]) : value;
  return { office: { id: row.id, name: row.name }, cycles: list.map(toLatestCycle) };
}

/** Push subscriptions of the given staff, ordered by staff then id. */
export async function pushSubscriptionsForStaff(
  k: Kysely<Database>,
  staffIds: readonly string[],
): Promise<PushSubscriptionRecord[]> {
  if (staffIds.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    staff_id: string;
    endpoint: string;
    p256dh_key: string;
    auth_key: string;
  }>`
    SELECT id, staff_id, endpoint, p256dh_key, auth_key FROM push_subscriptions
     WHERE staff_id = ANY(${staffIds}::uuid[]) ORDER BY staff_id, id`.execute(k);
  return rows.map((r) => ({
    id: r.id,
    staffId: r.staff_id,
    endpoint: r.endpoint,
    p256dh: r.p256dh_key,
    auth: r.auth_key,
  }));
}

/**
 * Runs `SELECT <json value> AS r … ORDER BY …` as one statement that returns a single JSON array,
 * keeping the inner order. Both engines parse the json column; PGlite does it far faster than per-row decoding.
 */
async function jsonRows<T>(query: RawBuilder<{ r: T }>, k: Kysely<Database>): Promise<T[]> {
  const { rows } = await sql<{ rows: T[] | string | null }>`
    SELECT coalesce(json_agg(q.r ORDER BY q.n), '[]') AS rows
      FROM (SELECT row_number() OVER () AS n, x.r FROM (${query}) x) q`.execute(k);
  const value = rows[0]?.rows ?? [];
  return typeof value === 'string' ? (JSON.parse(value) as T[]) : value;
}
