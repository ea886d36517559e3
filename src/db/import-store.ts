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
  // The checks are one large statement whose cost estimate switches on JIT compilation, which took
  // longer (~6 s at 5,000 offices) than the work it compiles for; the sorts of the duplicate checks
  // and the hash joins get more memory than the default 4 MB. SET LOCAL: for this transaction only.
  await session.execute(`SET LOCAL jit = off`);
  await session.execute(`SET LOCAL work_mem = '64MB'`);
  await session.execute(`SET LOCAL maintenance_work_mem = '256MB'`);
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
    // Deliverables of cycles not in cycles.csv first (one anti-join), then the database for those few:
    // asked the other way round, the database was probed once per deliverable.
    `SELECT 'deliverables', i.line, 'cycle_number', i.cycle_number,
            'no cycle ' || i.cycle_number || ' of recipient ' || i.recipient_key || ' in office ' || i.office_key
              || ', in cycles.csv or in the database'
       FROM (SELECT * FROM ${s('deliverables')} d
              WHERE d.recipient_key IS NOT NULL AND d.office_key IS NOT NULL AND d.cycle_number IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM ${s('cycles')} x
                                 WHERE x.office_key = d.office_key AND x.recipient_key = d.recipient_key
                                   AND x.cycle_number = d.cycle_number)
             OFFSET 0) i
      WHERE NOT EXISTS (SELECT 1 FROM ${RECIPIENT_MAP} m
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
 * Tables that are filled in bulk when they are empty at the start of the import (a first import):
 * their foreign keys (and, where no lookup of the import needs them, their indexes and primary key)
 * are dropped, the rows written, and they are re-created at the end: each index is built once and
 * each foreign key checked by one join, instead of row by row (as snapshot restore and pg_restore
 * do). Inside the transaction: a failure rolls the drops back with the rows. The price: the table
 * is locked (ACCESS EXCLUSIVE) until the import commits, so readers of that (empty) table wait.
 */
const BULK_TABLES = {
  office_staffs: { indexes: false, primaryKey: false },
  // welfare_recipients_office_key is how the import finds recipients: kept.
  welfare_recipients: { indexes: false, primaryKey: false },
  // The unique (recipient, cycle number) and the primary key (referenced by deliverables) stay.
  support_plan_cycles: { indexes: true, primaryKey: false },
  plan_deliverables: { indexes: true, primaryKey: true },
} as const;
type BulkTable = keyof typeof BULK_TABLES;

/** Drops what BULK_TABLES says for an empty table; returns the statements that re-create it. */
async function dropForBulkLoad(session: CopySession, table: BulkTable): Promise<string[]> {
  const what = BULK_TABLES[table];
  const constraints = await session.query<{ name: string; type: string; def: string }>(
    `SELECT c.conname AS name, c.contype AS type, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('f', 'p') ORDER BY c.conname`,
    [table],
  );
  const indexes = what.indexes
    ? await session.query<{ name: string; def: string }>(
        `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          WHERE x.indrelid = $1::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))
          ORDER BY i.relname`,
        [table],
      )
    : [];
  const dropped = constraints.filter((c) => c.type === 'f' || what.primaryKey);
  // Foreign keys go first (a primary key cannot be dropped under one), come back last.
  dropped.sort((a, b) => (a.type === b.type ? 0 : a.type === 'f' ? -1 : 1));
  for (const c of dropped) await session.execute(`ALTER TABLE ${table} DROP CONSTRAINT "${c.name}"`);
  for (const i of indexes) await session.execute(`DROP INDEX "${i.name}"`);
  const add = (c: { name: string; def: string }) =>
    `ALTER TABLE ${table} ADD CONSTRAINT "${c.name}" ${c.def}`;
  return [
    ...dropped.filter((c) => c.type === 'p').map(add),
    ...indexes.map((i) => i.def),
    ...dropped.filter((c) => c.type === 'f').map(add),
  ];
}

/**
 * Writes the staged rows: offices, staff and their memberships, recipients, cycles (the highest
 * cycle number of a recipient is its latest), deliverables. Adds and updates; never deletes rows,
 * except a listed staff member's memberships of offices no longer listed.
 */
export async function applyStaged(session: CopySession): Promise<ImportResult> {
  const s = staging;
  const tables = Object.keys(BULK_TABLES) as BulkTable[];
  const empty = (
    await session.query<Record<BulkTable, boolean>>(
      `SELECT ${tables.map((t) => `NOT EXISTS (SELECT 1 FROM ${t}) AS ${t}`).join(', ')}`,
    )
  )[0] as Record<BulkTable, boolean>;
  const recreate: string[] = [];
  for (const table of tables) if (empty[table]) recreate.push(...(await dropForBulkLoad(session, table)));

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
  // Addresses can move between staff in one file (two staff swap theirs, or a new staff member takes
  // the address of one who changes it): every staff member whose address changes first gets a
  // placeholder of their own (their uuid @import.invalid), so the unique index, which is checked row
  // by row, never sees one address twice. The upsert below then writes the final addresses.
  await session.execute(
    `UPDATE staffs t SET email = t.id::text || '@import.invalid'
       FROM ${s('staff')} i
      WHERE coalesce(t.external_id, t.id::text) = i.key AND t.email <> i.email`,
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
     SELECT (SELECT count(*) FROM upd)::int AS changed, (SELECT count(*) FROM ins)::int AS added`,
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
     SELECT staff_id, office_id, is_primary FROM kigen_import_membership ORDER BY office_id, staff_id
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
  if (empty.welfare_recipients) await session.execute('ANALYZE welfare_recipients');
  // Each staged cycle with its recipient and, when it exists, its row: set-based (hash joins) from here on.
  await session.execute(
    `CREATE TEMP TABLE kigen_import_cycle ON COMMIT DROP AS
     SELECT m.recipient_id, m.office_id, i.cycle_number::int AS cycle_number, i.deadline::date AS deadline,
            c.id AS existing_id,
            (c.next_renewal_deadline, c.office_id) IS DISTINCT FROM (i.deadline::date, m.office_id) AS changed
       FROM ${s('cycles')} i JOIN ${RECIPIENT_MAP} m ON m.office_key = i.office_key AND m.key = i.recipient_key
       LEFT JOIN support_plan_cycles c ON c.welfare_recipient_id = m.recipient_id AND c.cycle_number = i.cycle_number::int`,
  );
  // The latest cycle is the highest number, among the stored cycles and the staged ones.
  await session.execute(
    `CREATE TEMP TABLE kigen_import_latest ON COMMIT DROP AS
     SELECT recipient_id, max(cycle_number) AS cycle_number
       FROM (SELECT recipient_id, cycle_number FROM kigen_import_cycle
             UNION ALL
             SELECT c.welfare_recipient_id, c.cycle_number FROM support_plan_cycles c
              WHERE c.welfare_recipient_id IN (SELECT recipient_id FROM kigen_import_cycle)) x
      GROUP BY recipient_id`,
  );
  await session.execute('ANALYZE kigen_import_cycle');
  await session.execute('ANALYZE kigen_import_latest');
  // One latest cycle per recipient is checked row by row: clear the old ones before adding the new.
  await session.execute(
    `UPDATE support_plan_cycles c SET is_latest_cycle = false FROM kigen_import_latest l
      WHERE c.welfare_recipient_id = l.recipient_id AND c.is_latest_cycle AND c.cycle_number <> l.cycle_number`,
  );
  const changedCycles = await session.query<{ n: number }>(
    `WITH upd AS (
       UPDATE support_plan_cycles c SET next_renewal_deadline = i.deadline, office_id = i.office_id
         FROM kigen_import_cycle i WHERE c.id = i.existing_id AND i.changed RETURNING 1
     ) SELECT count(*)::int AS n FROM upd`,
  );
  // New cycles carry their latest flag from the start: a later UPDATE of a row inserted in the same
  // transaction re-checks its foreign keys.
  const addedCycles = await session.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO support_plan_cycles (welfare_recipient_id, office_id, cycle_number, next_renewal_deadline, is_latest_cycle)
       SELECT i.recipient_id, i.office_id, i.cycle_number, i.deadline, i.cycle_number = l.cycle_number
         FROM kigen_import_cycle i JOIN kigen_import_latest l ON l.recipient_id = i.recipient_id
        WHERE i.existing_id IS NULL
        ORDER BY i.recipient_id, i.cycle_number
       RETURNING 1
     ) SELECT count(*)::int AS n FROM ins`,
  );
  await session.execute(
    `UPDATE support_plan_cycles c SET is_latest_cycle = true FROM kigen_import_latest l
      WHERE c.welfare_recipient_id = l.recipient_id AND c.cycle_number = l.cycle_number AND NOT c.is_latest_cycle`,
  );
  const cycles = { added: addedCycles[0]?.n ?? 0, changed: changedCycles[0]?.n ?? 0 };
  if (empty.support_plan_cycles) await session.execute('ANALYZE support_plan_cycles');
  const deliverables = await counted(
    session,
    `WITH ins AS (
       INSERT INTO plan_deliverables (plan_cycle_id, deliverable_type)
       SELECT c.id, i.type
         FROM ${s('deliverables')} i JOIN ${RECIPIENT_MAP} m ON m.office_key = i.office_key AND m.key = i.recipient_key
         JOIN support_plan_cycles c ON c.welfare_recipient_id = m.recipient_id AND c.cycle_number = i.cycle_number::int
        WHERE NOT EXISTS (SELECT 1 FROM plan_deliverables d WHERE d.plan_cycle_id = c.id AND d.deliverable_type = i.type)
        ORDER BY c.id, i.type
       RETURNING 1
     )
     SELECT count(*)::int AS added, 0 AS changed FROM ins`,
  );
  for (const statement of recreate) await session.execute(statement);
  const result = { offices, staff, recipients, cycles, deliverables };
  await session.query(
    `INSERT INTO audit_logs (action, target_type, details) VALUES ('data.imported', 'import', $1::jsonb)`,
    [JSON.stringify(result)],
  );
  return result;
}

/**
 * Fresh statistics after a large import, or the next run's planner guesses; and the visibility map, or the
 * plan's index-only scans read the table for every row until autovacuum (if on) gets there.
 */
export async function analyzeImported(db: Db): Promise<void> {
  await sql`VACUUM (ANALYZE) offices, staffs, office_staffs, welfare_recipients, support_plan_cycles, plan_deliverables`.execute(
    db.k,
  );
}
