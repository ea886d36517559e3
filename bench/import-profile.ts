// Where the time of `kigen import` goes on PostgreSQL: runs the import in this process (the same
// importData as the CLI, no progress bar) and prints, for every statement of its transaction, the
// wall time and the CPU time of the PostgreSQL backend that ran it (from /proc, so PostgreSQL must
// run on this machine and /proc/<pid>/stat be readable). Backend CPU hardly depends on what else
// the machine does; wall time does. The figures of BENCHMARKS.md's import section come from it:
//   createdb kigen_import_x
//   /usr/bin/time -v node bench/import-profile.ts /tmp/kigen-import-5000 postgres://postgres@127.0.0.1:5432/kigen_import_x
// The data: node bench/import-dataset.ts --offices 5000 --out /tmp/kigen-import-5000.
import { readFileSync } from 'node:fs';
import type { CopySession, Db } from '../src/db/database.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { importData } from '../src/io/import-data.ts';

const [target, url] = process.argv.slice(2);
if (!target || !url) {
  process.stderr.write(
    'usage: node bench/import-profile.ts DIR-or-FILE postgres://…/empty-or-not-database\n',
  );
  process.exit(2);
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const db = await openDatabase({ kind: 'postgres', url });
await migrateToLatest(db.k);
let backend = 0;
let lastCpu = 0;
const totals = { wallMs: 0, backendCpuMs: 0 };
function record(statement: string, started: number): void {
  const wall = performance.now() - started;
  const cpu = cpuMs(backend);
  const used = cpu - lastCpu;
  lastCpu = cpu;
  totals.wallMs += wall;
  totals.backendCpuMs += used;
  const text = statement.replace(/\s+/g, ' ').slice(0, 100);
  process.stdout.write(`${(wall / 1000).toFixed(2).padStart(8)} s ${String(used).padStart(7)} ms  ${text}\n`);
}
function timed(session: CopySession): CopySession {
  return {
    async execute(statement) {
      const started = performance.now();
      await session.execute(statement);
      record(statement, started);
    },
    async query<T>(statement: string, params?: readonly unknown[]) {
      const started = performance.now();
      const rows = await session.query<T>(statement, params);
      record(statement, started);
      return rows;
    },
    async copyIn(table, columns, source, options) {
      const started = performance.now();
      const rows = await session.copyIn(table, columns, source, options);
      record(`COPY ${table} (reading, checking and sending the file)`, started);
      return rows;
    },
    copyOut: (select, onData) => session.copyOut(select, onData),
  };
}
const profiled: Db = {
  ...db,
  copySession: (mode, fn) =>
    db.copySession(mode, async (session) => {
      backend = (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid ?? 0;
      lastCpu = cpuMs(backend);
      return fn(timed(session));
    }),
};
process.stdout.write('    wall  backend CPU  statement\n');
const started = performance.now();
const report = await importData(profiled, target, { maxFileBytes: Number.MAX_SAFE_INTEGER });
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify(
    {
      wallMs: Math.round(performance.now() - started),
      phases: report.phases,
      transaction: { wallMs: Math.round(totals.wallMs), backendCpuMs: totals.backendCpuMs },
      kigenCpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000),
      result: report.result,
    },
    null,
    2,
  )}\n`,
);
await db.close();
