// The seed-design baseline's four batch reads (see seed-design.ts, which exists only to measure the
// P1 ratio). Its own SQL, not kigen's read path: the original's get_deadline_alerts_batch,
// get_staffs_by_offices_batch and get_by_staff_ids_batch, with IN-lists that grow with the data.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { Alert } from '../../src/domain/types.ts';

export interface OfficeRow {
  id: string;
  name: string;
}

export interface StaffRow {
  office_id: string;
  id: string;
  email: string;
  full_name: string;
  email_notification: boolean;
  system_notification: boolean;
  email_threshold_days: number;
  push_threshold_days: number;
}

export interface SubscriptionRow {
  id: string;
  staff_id: string;
  endpoint: string;
  p256dh_key: string;
  auth_key: string;
}

export interface Everything {
  offices: OfficeRow[];
  alertsByOffice: Map<string, Alert[]>;
  staffRows: StaffRow[];
  staffByOffice: Map<string, StaffRow[]>;
  subscriptionsByStaff: Map<string, SubscriptionRow[]>;
}

/** PostgreSQL's limit on bind parameters in one statement: the original's IN-lists hit it. */
const MAX_BIND_PARAMETERS = 65_535;

function checkInList(what: string, ids: readonly string[]): void {
  if (ids.length > MAX_BIND_PARAMETERS) {
    throw new Error(
      `seed-design: ${ids.length} ${what} exceed PostgreSQL's ${MAX_BIND_PARAMETERS} bind parameters; the original design cannot read this data set in one query`,
    );
  }
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Everything the run needs, in 4 statements, all in memory (production data only). */
export async function readEverything(k: Kysely<Database>, runDate: string): Promise<Everything> {
  // 1. All live offices.
  const offices = await k
    .selectFrom('offices')
    .select(['id', 'name'])
    .where('deleted_at', 'is', null)
    .where('is_test_data', '=', false)
    .orderBy('id')
    .execute();
  const officeIds = offices.map((o) => o.id);
  checkInList('offices', officeIds);
  if (officeIds.length === 0) {
    return {
      offices,
      alertsByOffice: new Map(),
      staffRows: [],
      staffByOffice: new Map(),
      subscriptionsByStaff: new Map(),
    };
  }

  // 2. Deadline alerts of all offices: renewals within 30 days and missing assessments.
  const cycles = await k
    .selectFrom('support_plan_cycles as c')
    .innerJoin('welfare_recipients as r', 'r.id', 'c.welfare_recipient_id')
    .select([
      'c.office_id',
      'r.id as recipient_id',
      'r.last_name',
      'r.first_name',
      'c.next_renewal_deadline',
      sql<number | null>`c.next_renewal_deadline - ${runDate}::date`.as('days_remaining'),
      sql<boolean>`EXISTS (SELECT 1 FROM plan_deliverables d
                    WHERE d.plan_cycle_id = c.id AND d.deliverable_type = 'assessment_sheet')`.as(
        'has_assessment',
      ),
    ])
    .where('c.office_id', 'in', officeIds)
    .where('c.is_latest_cycle', '=', true)
    .where('r.is_test_data', '=', false)
    .orderBy('c.office_id')
    .orderBy('c.next_renewal_deadline')
    .orderBy('r.last_name')
    .execute();
  const alerts: Alert[] = [];
  for (const c of cycles) {
    const name = `${c.last_name} ${c.first_name}`;
    const days = c.days_remaining === null ? null : Number(c.days_remaining);
    // The original's bug, kept on purpose: days_remaining ≤ 0 (overdue) is dropped.
    if (days !== null && days > 0 && days <= 30) {
      alerts.push({
        type: 'renewal_deadline',
        officeId: c.office_id,
        recipientId: c.recipient_id,
        name,
        deadline: c.next_renewal_deadline,
        daysRemaining: days,
        message: `${name}の更新期限まで残り${days}日`,
      });
    }
    if (!c.has_assessment) {
      alerts.push({
        type: 'assessment_incomplete',
        officeId: c.office_id,
        recipientId: c.recipient_id,
        name,
        deadline: null,
        daysRemaining: null,
        message: `${name}のアセスメントが完了していません`,
      });
    }
  }

  // 3. Staff of all offices with their preferences (one row per membership).
  const staffRows = await k
    .selectFrom('office_staffs as m')
    .innerJoin('staffs as s', 's.id', 'm.staff_id')
    .select([
      'm.office_id',
      's.id',
      's.email',
      's.full_name',
      's.email_notification',
      's.system_notification',
      's.email_threshold_days',
      's.push_threshold_days',
    ])
    .where('m.office_id', 'in', officeIds)
    .where('s.deleted_at', 'is', null)
    .where('s.is_test_data', '=', false)
    .orderBy('m.office_id')
    .orderBy('s.id')
    .execute();

  // 4. Push subscriptions of all those staff.
  const staffIds = [...new Set(staffRows.map((s) => s.id))];
  checkInList('staff', staffIds);
  const subscriptions =
    staffIds.length === 0
      ? []
      : await k
          .selectFrom('push_subscriptions')
          .select(['id', 'staff_id', 'endpoint', 'p256dh_key', 'auth_key'])
          .where('staff_id', 'in', staffIds)
          .execute();

  return {
    offices,
    alertsByOffice: groupBy(alerts, (a) => a.officeId),
    staffRows,
    staffByOffice: groupBy(staffRows, (s) => s.office_id),
    subscriptionsByStaff: groupBy(subscriptions, (s) => s.staff_id),
  };
}
