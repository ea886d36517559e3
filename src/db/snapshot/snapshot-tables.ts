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
