// The database side of `kigen import`: staging tables loaded by COPY, the checks that need the
// database (references, duplicates, addresses in use), and the set-based upserts. Everything runs
// inside one CopySession transaction: when a check finds a problem the caller throws and nothing stays.
//
// Keys: a row's key is the office's own id (external_id) or, for rows made before import existed
// (seed, snapshots), its uuid: coalesce(external_id, id::text), which unique expression indexes cover.
// A recipient's key is unique within its office.
import { sql } from 'kysely';
import type { CopySession, Db } from './database.ts';

export const IMPORT_ENTITIES = ['offices', 'staff', 'recipients', 'cycles', 'deliverables'] as const;
export type ImportEntity = (typeof IMPORT_ENTITIES)[number];

/**
 * Staging columns per entity, all text (the io layer has validated and normalised every value; NULL
 * means "not given": keep what the database has, or the default for a new row). Every table also has
 * `line`, the row's line in its file.
 */
export const STAGING_COLUMNS = {
  offices: ['key', 'name', 'test'],
  staff: [
    'key',
    'email',
    'last_name',
    'first_name',
    'last_reading',
    'first_reading',
    'role',
    'office_keys',
    'email_on',
    'push_on',
    'in_app_on',
    'email_days',
    'push_days',
    'test',
  ],
  recipients: ['office_key', 'key', 'last_name', 'first_name', 'last_reading', 'first_reading', 'test'],
  cycles: ['office_key', 'recipient_key', 'cycle_number', 'deadline'],
  deliverables: ['office_key', 'recipient_key', 'cycle_number', 'type'],
} as const satisfies Record<ImportEntity, readonly string[]>;

export type StagingColumn<E extends ImportEntity> = (typeof STAGING_COLUMNS)[E][number];

/** A problem found by a database check; `column` is a staging column. */
export interface StagedProblem {
  entity: ImportEntity;
  line: number;
  column: string;
  value: string | null;
  message: string;
}

export interface ImportCounts {
  added: number;
  changed: number;
}

export type ImportResult = Record<ImportEntity, ImportCounts>;

const staging = (entity: ImportEntity) => `kigen_import_${entity}`;
const OFFICE_KEY = 'coalesce(o.external_id, o.id::text)';
const UUID = `'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'`;
/**
 * The id of the recipient with key k in office o, or NULL: its own id there (the unique
 * (office_id, external_id) index), or, for a row not imported yet, its uuid (the primary key).
 */
const recipientId = (o: string, k: string) => `coalesce(
  (SELECT r.id FROM welfare_recipients r WHERE r.office_id = ${o} AND r.external_id = ${k}),
  (SELECT r.id FROM welfare_recipients r WHERE r.id = CASE WHEN ${k} ~* ${UUID} THEN ${k}::uuid END
      AND r.external_id IS NULL AND (r.office_id IS NULL OR r.office_id = ${o})))`;
/** Recipient keys named by cycles and deliverables, with their ids: looked up once, then hash-joined. */
const RECIPIENT_MAP = 'kigen_import_recipient_map';

/** Creates the staging tables (dropped at commit or rollback). */
export async function createStaging(session: CopySession): Promise<void> {
  for (const entity of IMPORT_ENTITIES) {
    const columns = STAGING_COLUMNS[entity].map((c) => `${c} text`).join(', ');
    await session.execute(
      `CREATE TEMP TABLE ${staging(entity)} (line int NOT NULL, ${columns}) ON COMMIT DROP`,
    );
  }
}

/** Loads one entity's rows (CSV of line + STAGING_COLUMNS) by COPY; returns the row count. */
export async function stageRows(
  session: CopySession,
  entity: ImportEntity,
  csv: AsyncIterable<Uint8Array>,
): Promise<number> {
  return session.copyIn(staging(entity), ['line', ...STAGING_COLUMNS[entity]], csv);
}

/** Indexes and statistics for the checks and upserts (a temp table has no statistics of its own). */
async function prepareStaging(session: CopySession): Promise<void> {
  await session.execute(`CREATE INDEX ON ${staging('offices')} (key)`);
  await session.execute(`CREATE INDEX ON ${staging('recipients')} (office_key, key)`);
  await session.execute(`CREATE INDEX ON ${staging('cycles')} (office_key, recipient_key, cycle_number)`);
  for (const entity of IMPORT_ENTITIES) await session.execute(`ANALYZE ${staging(entity)}`);
  await session.execute(
    `CREATE TEMP TABLE ${RECIPIENT_MAP} ON COMMIT DROP AS
     SELECT k.office_key, k.key, o.id AS office_id, ${recipientId('o.id', 'k.key')} AS recipient_id
       FROM (SELECT office_key, recipient_key AS key FROM ${staging('cycles')}
             UNION SELECT office_key, recipient_key FROM ${staging('deliverables')}) k
       LEFT JOIN offices o ON ${OFFICE_KEY} = k.office_key
      WHERE k.key IS NOT NULL`,
  );
  await session.execute(`CREATE INDEX ON ${RECIPIENT_MAP} (office_key, key)`);
  await session.execute(`ANALYZE ${RECIPIENT_MAP}`);
}

/** Rows whose key repeats an earlier line of the same file. */
function duplicates(entity: ImportEntity, keys: readonly string[], what: string): string {
  const key = keys.join(', ');
  return `SELECT '${entity}' AS entity, line, '${keys.at(-1)}' AS col, ${keys.at(-1)} AS value,
                 '${what} is already on line ' || first_line AS message
            FROM (SELECT line, ${key}, min(line) OVER (PARTITION BY ${key}) AS first_line
                    FROM ${staging(entity)} WHERE ${keys.map((k) => `${k} IS NOT NULL`).join(' AND ')}) x
           WHERE line > first_line`;
}

/** Rows naming an office that is neither in offices.csv nor in the database. */
function unknownOffice(entity: ImportEntity, keyExpression: string, from: string, col: string): string {
  return `SELECT '${entity}', i.line, '${col}', ${keyExpression},
                 'no office with this id, in offices.csv or in the database'
            FROM ${from}
           WHERE ${keyExpression} IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM ${staging('offices')} x WHERE x.key = ${keyExpression})
             AND NOT EXISTS (SELECT 1 FROM offices o WHERE ${OFFICE_KEY} = ${keyExpression})`;
}

/** Every problem the database can see, at most `limit`, in file and line order. */
export async function checkStaged(session: CopySession, limit: number): Promise<StagedProblem[]> {
  await prepareStaging(session);
  const s = staging;
  const checks = [
    duplicates('offices', ['key'], 'this office id'),
    duplicates('staff', ['key'], 'this staff id'),
    duplicates('staff', ['email'], 'this e-mail address'),
    duplicates('recipients', ['office_key', 'key'], 'this recipient id (in this office)'),
    duplicates('cycles', ['office_key', 'recipient_key', 'cycle_number'], 'this cycle of this recipient'),
    duplicates(
      'deliverables',
      ['office_key', 'recipient_key', 'cycle_number', 'type'],
      'this deliverable of this cycle',
    ),
    unknownOffice(
      'staff',
      'k',
      `${s('staff')} i CROSS JOIN LATERAL unnest(string_to_array(i.office_keys, ';')) k`,
      'office_keys',
    ),
    unknownOffice('recipients', 'i.office_key', `${s('recipients')} i`, 'office_key'),
    unknownOffice('cycles', 'i.office_key', `${s('cycles')} i`, 'office_key'),
    unknownOffice('deliverables', 'i.office_key', `${s('deliverables')} i`, 'office_key'),
    // An address another staff member already has (unless that one's row in this file changes it).
    `SELECT 'staff', i.line, 'email', i.email,
            'this e-mail address belongs to staff ' || coalesce(t.external_id, t.id::text) || ' in the database'
       FROM ${s('staff')} i JOIN staffs t ON t.email = i.email
      WHERE coalesce(t.external_id, t.id::text) <> i.key
        AND NOT EXISTS (SELECT 1 FROM ${s('staff')} j WHERE j.key = coalesce(t.external_id, t.id::text) AND j.email <> t.email)`,
    `SELECT 'cycles', i.line, 'recipient_key', i.recipient_key,
            'no recipient with this id in office ' || i.office_key || ', in recipients.csv or in the database'
       FROM ${s('cycles')} i
      WHERE i.recipient_key IS NOT NULL AND i.office_key IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${s('recipients')} x WHERE x.office_key = i.office_key AND x.key = i.recipient_key)
        AND NOT EXISTS (SELECT 1 FROM ${RECIPIENT_MAP} m
                         WHERE m.office_key = i.office_key AND m.key = i.recipient_key AND m.recipient_id IS NOT NULL)`,
    `SELECT 'deliverables', i.line, 'cycle_number', i.cycle_number,
            'no cycle ' || i.cycle_number || ' of recipient ' || i.recipient_key || ' in office ' || i.office_key
              || ', in cycles.csv or in the database'
       FROM ${s('deliverables')} i
      WHERE i.recipient_key IS NOT NULL AND i.office_key IS NOT NULL AND i.cycle_number IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${s('cycles')} x
                         WHERE x.office_key = i.office_key AND x.recipient_key = i.recipient_key AND x.cycle_number = i.cycle_number)
        AND NOT EXISTS (SELECT 1 FROM ${RECIPIENT_MAP} m
                          JOIN support_plan_cycles c ON c.welfare_recipient_id = m.recipient_id AND c.cycle_number = i.cycle_number::int
                         WHERE m.office_key = i.office_key AND m.key = i.recipient_key)`,
  ];
  const entityOrder = IMPORT_ENTITIES.map((e, i) => `WHEN '${e}' THEN ${i}`).join(' ');
  return session.query<StagedProblem>(
    `SELECT entity, line, col AS "column", value, message FROM (${checks.join('\nUNION ALL\n')}) p
      ORDER BY CASE entity ${entityOrder} END, line, col LIMIT ${Number(limit)}`,
  );
}

async function counted(session: CopySession, statement: string): Promise<ImportCounts> {
  const rows = await session.query<{ added: number; changed: number }>(statement);
  return { added: rows[0]?.added ?? 0, changed: rows[0]?.changed ?? 0 };
}

/**
 * Writes the staged rows: offices, staff and their memberships, recipients, cycles (the highest
 * cycle number of a recipient is its latest), deliverables. Adds and updates; never deletes rows,
 * except a listed staff member's memberships of offices no longer listed.
 */
export async function applyStaged(session: CopySession): Promise<ImportResult> {
  const s = staging;
  const offices = await counted(
    session,
    `WITH n AS (
       SELECT o.id, i.name, coalesce(i.test::boolean, o.is_test_data) AS test
         FROM ${s('offices')} i JOIN offices o ON ${OFFICE_KEY} = i.key
     ), upd AS (
       UPDATE offices o SET name = n.name, is_test_data = n.test FROM n
        WHERE o.id = n.id AND (o.name, o.is_test_data) IS DISTINCT FROM (n.name, n.test) RETURNING 1
     ), ins AS (
       INSERT INTO offices (external_id, name, is_test_data)
       SELECT i.key, i.name, coalesce(i.test::boolean, false) FROM ${s('offices')} i
        WHERE NOT EXISTS (SELECT 1 FROM offices o WHERE ${OFFICE_KEY} = i.key) RETURNING 1
     )
     SELECT (SELECT count(*) FROM ins)::int AS added, (SELECT count(*) FROM upd)::int AS changed`,
  );
  const staffValues = `i.email, i.last_name, i.first_name, i.last_name || ' ' || i.first_name`;
  const staff = await counted(
    session,
    `WITH n AS (
       SELECT t.id, ${staffValues} AS full_name,
              CASE WHEN i.last_reading IS NULL THEN t.last_name_reading ELSE nullif(i.last_reading, '') END AS lr,
              CASE WHEN i.first_reading IS NULL THEN t.first_name_reading ELSE nullif(i.first_reading, '') END AS fr,
              coalesce(i.role, t.role) AS role, coalesce(i.email_on::boolean, t.email_notification) AS e,
              coalesce(i.push_on::boolean, t.system_notification) AS p,
              coalesce(i.in_app_on::boolean, t.in_app_notification) AS a,
              coalesce(i.email_days::int, t.email_threshold_days) AS ed,
              coalesce(i.push_days::int, t.push_threshold_days) AS pd, coalesce(i.test::boolean, t.is_test_data) AS test
         FROM ${s('staff')} i JOIN staffs t ON coalesce(t.external_id, t.id::text) = i.key
     ), upd AS (
       UPDATE staffs t SET (email, last_name, first_name, full_name, last_name_reading, first_name_reading, role,
              email_notification, system_notification, in_app_notification, email_threshold_days, push_threshold_days,
              is_test_data) = (n.email, n.last_name, n.first_name, n.full_name, n.lr, n.fr, n.role, n.e, n.p, n.a, n.ed, n.pd, n.test)
         FROM n
        WHERE t.id = n.id AND (t.email, t.last_name, t.first_name, t.full_name, t.last_name_reading, t.first_name_reading,
              t.role, t.email_notification, t.system_notification, t.in_app_notification, t.email_threshold_days,
              t.push_threshold_days, t.is_test_data)
              IS DISTINCT FROM (n.email, n.last_name, n.first_name, n.full_name, n.lr, n.fr, n.role, n.e, n.p, n.a, n.ed, n.pd, n.test)
        RETURNING 1
     ), ins AS (
       INSERT INTO staffs (external_id, email, last_name, first_name, full_name, last_name_reading, first_name_reading, role,
              email_notification, system_notification, in_app_notification, email_threshold_days, push_threshold_days, is_test_data)
       SELECT i.key, ${staffValues}, nullif(i.last_reading, ''), nullif(i.first_reading, ''), coalesce(i.role, 'employee'),
              coalesce(i.email_on::boolean, true), coalesce(i.push_on::boolean, false), coalesce(i.in_app_on::boolean, true),
              coalesce(i.email_days::int, 30), coalesce(i.push_days::int, 10), coalesce(i.test::boolean, false)
         FROM ${s('staff')} i
        WHERE NOT EXISTS (SELECT 1 FROM staffs t WHERE coalesce(t.external_id, t.id::text) = i.key) RETURNING 1
     )
     SELECT (SELECT count(*) FROM ins)::int AS added, (SELECT count(*) FROM upd)::int AS changed`,
  );
  // A listed staff member belongs to exactly the listed offices; the first one is the primary office.
  await session.execute(
    `CREATE TEMP TABLE kigen_import_membership ON COMMIT DROP AS
     SELECT t.id AS staff_id, o.id AS office_id, m.ord = 1 AS is_primary
       FROM ${s('staff')} i JOIN staffs t ON coalesce(t.external_id, t.id::text) = i.key
      CROSS JOIN LATERAL unnest(string_to_array(i.office_keys, ';')) WITH ORDINALITY m(k, ord)
       JOIN offices o ON ${OFFICE_KEY} = m.k`,
  );
  await session.execute(
    `DELETE FROM office_staffs os
      WHERE os.staff_id IN (SELECT staff_id FROM kigen_import_membership)
        AND NOT EXISTS (SELECT 1 FROM kigen_import_membership m WHERE m.staff_id = os.staff_id AND m.office_id = os.office_id)`,
  );
  await session.execute(
    `INSERT INTO office_staffs (staff_id, office_id, is_primary)
     SELECT staff_id, office_id, is_primary FROM kigen_import_membership
     ON CONFLICT (office_id, staff_id) DO UPDATE SET is_primary = EXCLUDED.is_primary
      WHERE office_staffs.is_primary <> EXCLUDED.is_primary`,
  );
  const recipients = await counted(
    session,
    `WITH n AS (
       SELECT r.id, o.id AS office_id, i.last_name, i.first_name,
              CASE WHEN i.last_reading IS NULL THEN r.last_name_reading ELSE nullif(i.last_reading, '') END AS lr,
              CASE WHEN i.first_reading IS NULL THEN r.first_name_reading ELSE nullif(i.first_reading, '') END AS fr,
              coalesce(i.test::boolean, r.is_test_data) AS test
         FROM ${s('recipients')} i JOIN offices o ON ${OFFICE_KEY} = i.office_key
         JOIN welfare_recipients r ON r.id = ${recipientId('o.id', 'i.key')}
     ), upd AS (
       UPDATE welfare_recipients r SET (office_id, last_name, first_name, last_name_reading, first_name_reading, is_test_data)
              = (n.office_id, n.last_name, n.first_name, n.lr, n.fr, n.test)
         FROM n
        WHERE r.id = n.id AND (r.office_id, r.last_name, r.first_name, r.last_name_reading, r.first_name_reading, r.is_test_data)
              IS DISTINCT FROM (n.office_id, n.last_name, n.first_name, n.lr, n.fr, n.test)
        RETURNING 1
     ), ins AS (
       INSERT INTO welfare_recipients (external_id, office_id, last_name, first_name, last_name_reading, first_name_reading, is_test_data)
       SELECT i.key, o.id, i.last_name, i.first_name, nullif(i.last_reading, ''), nullif(i.first_reading, ''),
              coalesce(i.test::boolean, false)
         FROM ${s('recipients')} i JOIN offices o ON ${OFFICE_KEY} = i.office_key
        WHERE ${recipientId('o.id', 'i.key')} IS NULL RETURNING 1
     )
     SELECT (SELECT count(*) FROM ins)::int AS added, (SELECT count(*) FROM upd)::int AS changed`,
  );
  // Offices and recipients added above get their ids in the map.
  await session.execute(
    `UPDATE ${RECIPIENT_MAP} m SET office_id = o.id FROM offices o WHERE m.office_id IS NULL AND ${OFFICE_KEY} = m.office_key`,
  );
  await session.execute(
    `UPDATE ${RECIPIENT_MAP} m SET recipient_id = ${recipientId('m.office_id', 'm.key')} WHERE m.recipient_id IS NULL`,
  );
  await session.execute(
    `CREATE TEMP TABLE kigen_import_cycle ON COMMIT DROP AS
     SELECT m.recipient_id, m.office_id, i.cycle_number::int AS cycle_number, i.deadline::date AS deadline
       FROM ${s('cycles')} i JOIN ${RECIPIENT_MAP} m ON m.office_key = i.office_key AND m.key = i.recipient_key`,
  );
  const cycles = await counted(
    session,
    `WITH ins AS (
       INSERT INTO support_plan_cycles (welfare_recipient_id, office_id, cycle_number, next_renewal_deadline, is_latest_cycle)
       SELECT recipient_id, office_id, cycle_number, deadline, false FROM kigen_import_cycle
       ON CONFLICT (welfare_recipient_id, cycle_number) DO UPDATE
          SET next_renewal_deadline = EXCLUDED.next_renewal_deadline, office_id = EXCLUDED.office_id
        WHERE (support_plan_cycles.next_renewal_deadline, support_plan_cycles.office_id)
              IS DISTINCT FROM (EXCLUDED.next_renewal_deadline, EXCLUDED.office_id)
       RETURNING (xmax = 0) AS inserted
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS added, count(*) FILTER (WHERE NOT inserted)::int AS changed FROM ins`,
  );
  // The latest cycle is the highest number; two statements, as the one-latest index is checked row by row.
  const latest = `(SELECT max(x.cycle_number) FROM support_plan_cycles x WHERE x.welfare_recipient_id = c.welfare_recipient_id)`;
  const touched = `c.welfare_recipient_id IN (SELECT recipient_id FROM kigen_import_cycle)`;
  await session.execute(
    `UPDATE support_plan_cycles c SET is_latest_cycle = false WHERE c.is_latest_cycle AND ${touched} AND c.cycle_number < ${latest}`,
  );
  await session.execute(
    `UPDATE support_plan_cycles c SET is_latest_cycle = true WHERE NOT c.is_latest_cycle AND ${touched} AND c.cycle_number = ${latest}`,
  );
  const deliverables = await counted(
    session,
    `WITH ins AS (
       INSERT INTO plan_deliverables (plan_cycle_id, deliverable_type)
       SELECT DISTINCT c.id, i.type
         FROM ${s('deliverables')} i JOIN ${RECIPIENT_MAP} m ON m.office_key = i.office_key AND m.key = i.recipient_key
         JOIN support_plan_cycles c ON c.welfare_recipient_id = m.recipient_id AND c.cycle_number = i.cycle_number::int
        WHERE NOT EXISTS (SELECT 1 FROM plan_deliverables d WHERE d.plan_cycle_id = c.id AND d.deliverable_type = i.type)
       RETURNING 1
     )
     SELECT count(*)::int AS added, 0 AS changed FROM ins`,
  );
  const result = { offices, staff, recipients, cycles, deliverables };
  await session.query(
    `INSERT INTO audit_logs (action, target_type, details) VALUES ('data.imported', 'import', $1::jsonb)`,
    [JSON.stringify(result)],
  );
  return result;
}

/** Fresh statistics after a large import, or the next run's planner guesses. */
export async function analyzeImported(db: Db): Promise<void> {
  await sql`ANALYZE offices, staffs, office_staffs, welfare_recipients, support_plan_cycles, plan_deliverables`.execute(
    db.k,
  );
}
