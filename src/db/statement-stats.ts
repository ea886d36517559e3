// Counts every statement executed through the db layer by kind, for tests, --stats and the benchmark.

export const STATEMENT_KINDS = ['read', 'write', 'ddl', 'other'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export interface StatementStats {
  readonly counts: Record<StatementKind, number>;
  record(sql: string): void;
  /** Counts since the last reset (or creation). */
  snapshot(): Record<StatementKind, number>;
  reset(): void;
}

const WRITE = /^\s*(insert|update|delete|merge|copy|truncate)\b/i;
const DDL = /^\s*(create|alter|drop|comment|grant|revoke)\b/i;
const READ = /^\s*(select|values|table|show|explain)\b/i;

/** Classifies a statement by its first keyword; a WITH counts as a write when it modifies data. */
export function classifyStatement(sql: string): StatementKind {
  if (/^\s*with\b/i.test(sql))
    return /\b(insert\s+into|update\s+\w+\s+set|delete\s+from)\b/i.test(sql) ? 'write' : 'read';
  if (WRITE.test(sql)) return 'write';
  if (READ.test(sql)) return 'read';
  if (DDL.test(sql)) return 'ddl';
  return 'other';
}

export function createStatementStats(): StatementStats {
  const counts: Record<StatementKind, number> = { read: 0, write: 0, ddl: 0, other: 0 };
  return {
    counts,
    record(sql) {
      counts[classifyStatement(sql)] += 1;
    },
    snapshot: () => ({ ...counts }),
    reset() {
      for (const k of STATEMENT_KINDS) counts[k] = 0;
    },
  };
}
