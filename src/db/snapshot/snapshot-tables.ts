// Which tables a snapshot holds, in what order, with which columns: read from the catalog, so a
// migration that adds a column needs no change here — one that adds a table must add it below.
import { sql } from 'kysely';
import type { Db } from '../database.ts';

/**
 * Every table with data, parents before children (the load order; COPY checks foreign keys row by row).
 * kysely_migration* are not data: the schema version in the header stands for them.
 */
export const SNAPSHOT_TABLES = [
  'offices',
  'staffs',
  'office_staffs',
  'welfare_recipients',
  'support_plan_cycles',
  'plan_deliverables',
  'push_subscriptions',
  'audit_logs',
  'runs',
  'deliveries',
  'sign_in_tokens',
  'sessions',
  'api_tokens',
] as const;

const NOT_DATA = /^kysely_migration/;

export interface TableLayout {
  name: string;
  /** In the table's column order. */
  columns: string[];
  /** Primary-key columns: the rows are saved in this order, so the same data gives the same bytes. */
  primaryKey: string[];
  /** Columns filled from a sequence (bigserial): the sequence is moved past the restored ids. */
  serialColumns: string[];
}

export interface Catalog {
  tables: TableLayout[];
  /** Tables in the schema that SNAPSHOT_TABLES does not list (a snapshot would miss them). */
  unlisted: string[];
}

/** The layout of SNAPSHOT_TABLES in the database, in load order. */
export async function readCatalog(db: Db): Promise<Catalog> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string; serial: boolean }>`
    SELECT c.table_name, c.column_name,
           pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL AS serial
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
    ORDER BY c.table_name, c.ordinal_position`.execute(db.k);
  const { rows: keys } = await sql<{ table_name: string; column_name: string }>`
    SELECT cls.relname AS table_name, att.attname AS column_name
    FROM pg_index idx
    JOIN pg_class cls ON cls.oid = idx.indrelid
    JOIN pg_namespace ns ON ns.oid = cls.relnamespace
    CROSS JOIN LATERAL unnest(idx.indkey) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_attribute att ON att.attrelid = cls.oid AND att.attnum = k.attnum
    WHERE idx.indisprimary AND ns.nspname = current_schema()
    ORDER BY cls.relname, k.position`.execute(db.k);
  const byTable = Map.groupBy(columns, (c) => c.table_name);
  const keysByTable = Map.groupBy(keys, (k) => k.table_name);
  const listed = new Set<string>(SNAPSHOT_TABLES);
  const tables: TableLayout[] = [];
  for (const name of SNAPSHOT_TABLES) {
    const cols = byTable.get(name) ?? [];
    tables.push({
      name,
      columns: cols.map((c) => c.column_name),
      primaryKey: (keysByTable.get(name) ?? []).map((k) => k.column_name),
      serialColumns: cols.filter((c) => c.serial).map((c) => c.column_name),
    });
  }
  const unlisted = [...byTable.keys()].filter((t) => !listed.has(t) && !NOT_DATA.test(t));
  return { tables, unlisted };
}

/**
 * Statements that drop the keys, unique constraints, foreign keys and indexes of the tables, and
 * statements that create them again, from the catalog's own definitions. Loading into bare tables
 * and then building each index once, and checking each foreign key with one join, is several times
 * faster than maintaining them row by row (pg_restore does the same). CHECK and NOT NULL stay.
 */
export async function readIndexDefinitions(
  db: Db,
  tables: readonly string[],
): Promise<{ drop: string[]; create: string[] }> {
  const names = sql.join(tables.map((t) => sql.lit(t)));
  const { rows: constraints } = await sql<{ table_name: string; name: string; type: string; def: string }>`
    SELECT r.relname AS table_name, c.conname AS name, c.contype AS type, pg_get_constraintdef(c.oid) AS def
    FROM pg_constraint c
    JOIN pg_class r ON r.oid = c.conrelid
    JOIN pg_namespace ns ON ns.oid = r.relnamespace
    WHERE ns.nspname = current_schema() AND r.relname IN (${names}) AND c.contype IN ('p', 'u', 'f')
    ORDER BY r.relname, c.conname`.execute(db.k);
  const { rows: indexes } = await sql<{ name: string; def: string }>`
    SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class r ON r.oid = x.indrelid
    JOIN pg_namespace ns ON ns.oid = r.relnamespace
    WHERE ns.nspname = current_schema() AND r.relname IN (${names})
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))
    ORDER BY i.relname`.execute(db.k);
  const alter = (c: { table_name: string; name: string }) =>
    `ALTER TABLE ${quoteIdent(c.table_name)} DROP CONSTRAINT ${quoteIdent(c.name)}`;
  const add = (c: { table_name: string; name: string; def: string }) =>
    `ALTER TABLE ${quoteIdent(c.table_name)} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}`;
  const foreign = constraints.filter((c) => c.type === 'f');
  const keys = constraints.filter((c) => c.type !== 'f');
  return {
    drop: [
      ...foreign.map(alter),
      ...keys.map(alter),
      ...indexes.map((i) => `DROP INDEX ${quoteIdent(i.name)}`),
    ],
    create: [...keys.map(add), ...indexes.map((i) => i.def), ...foreign.map(add)],
  };
}

/** The statement that reads a table's rows in primary-key order, for COPY (…) TO. */
export function selectAllInKeyOrder(table: TableLayout): string {
  const order = table.primaryKey.length > 0 ? table.primaryKey : table.columns;
  return `SELECT ${table.columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table.name)} ORDER BY ${order.map(quoteIdent).join(', ')}`;
}

/** One statement that moves every sequence past the largest id now in its table. */
export function resetSequencesStatement(tables: readonly TableLayout[]): string | null {
  const parts = tables.flatMap((t) =>
    t.serialColumns.map(
      (c) =>
        `setval(pg_get_serial_sequence('${quoteIdent(t.name)}', '${c}'), coalesce((SELECT max(${quoteIdent(c)}) FROM ${quoteIdent(t.name)}), 0) + 1, false)`,
    ),
  );
  return parts.length > 0 ? `SELECT ${parts.join(', ')}` : null;
}

/** Names come from the catalog, never from the snapshot file; quoting them is belt and braces. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
