// P9 (bench.md): an office's alerts through the HTTP API, authenticated, on PostgreSQL with 500
// offices, 50 concurrent connections (autocannon), and the server's RSS over 100,000 requests.
//
//   node bench/p9-api.ts [--offices 500] [--requests 100000] [--connections 50] [--pg-admin-url URL]
//                        [--server-cpu-prof DIR] [--no-record]
//
// It seeds a fresh database with `kigen seed`, starts `kigen serve` as a user does (bin/kigen.js's
// Node flags, LOG_LEVEL=warn, no schedule), signs in by magic link through the outbox, creates an
// API token, warms up for 5 s, then sends the requests while sampling the server's RSS every second.
// Besides the wall-clock figures (which depend on how busy the machine is: autocannon shares its cores)
// it reports two that kigen controls: the server's CPU time (user + sys, /proc) per request, and the
// statements per request (the database's committed transactions over the measured requests: each
// statement outside a transaction is one). --server-cpu-prof DIR writes a V8 CPU profile of the server
// (node --cpu-prof) into DIR, for profiling only: the recorded figures are taken without it.
// Results: bench/results/<timestamp>-P9.json; the figures are quoted in BENCHMARKS.md by hand.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { KIGEN_NODE_FLAGS } from '../src/cli/node-flags.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
// The server starts as bin/kigen.js starts it.
const NODE_FLAGS = [...KIGEN_NODE_FLAGS];

const { values: args } = parseArgs({
  options: {
    offices: { type: 'string', default: '500' },
    requests: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '50' },
    'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'server-cpu-prof': { type: 'string' },
    'no-record': { type: 'boolean', default: false },
  },
});

const adminUrl = String(args['pg-admin-url']);
const dbName = `kigen_bench_p9_${process.pid}`;
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const dataDir = mkdtempSync(path.join(tmpdir(), 'kigen-p9-'));

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The process's CPU time so far (user + sys), milliseconds (/proc/PID/stat fields 14 and 15, in clock ticks). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Transactions committed or rolled back in the bench database so far (one per statement outside a transaction). */
async function transactionsOf(url: string): Promise<number> {
  // A backend reports its counts when it goes idle, at most once a second: let them land first.
  await new Promise((r) => setTimeout(r, 2500));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await c.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    // This statement's own transaction is counted once it ends; the caller subtracts the reads it made.
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

async function main(): Promise<number> {
  await admin(`CREATE DATABASE ${dbName}`);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: dbUrl,
    KIGEN_DATA_DIR: dataDir,
  };
  let server: ReturnType<typeof spawn> | undefined;
  try {
    process.stderr.write(`seeding ${args.offices} offices…\n`);
    execFileSync(
      process.execPath,
      [
        'src/cli/main.ts',
        'seed',
        '--offices',
        String(args.offices),
        '--seed',
        '42',
        '--base-date',
        '2026-12-01',
      ],
      {
        cwd: REPO,
        env: { ...env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    const { rows } = await c.query<{ email: string; office_id: string }>(
      `SELECT s.email, m.office_id FROM staffs s JOIN office_staffs m ON m.staff_id = s.id JOIN offices o ON o.id = m.office_id
        WHERE s.role = 'owner' AND NOT o.is_test_data AND NOT s.is_test_data ORDER BY o.id LIMIT 1`,
    );
    await c.end();
    const who = rows[0];
    if (!who) throw new Error('no owner in the seeded data');

    const profDir = args['server-cpu-prof'] ? path.resolve(String(args['server-cpu-prof'])) : null;
    server = spawn(
      process.execPath,
      [
        ...NODE_FLAGS,
        ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        'src/cli/main.ts',
        'serve',
        '--port',
        '0',
        '--no-schedule',
      ],
      {
        cwd: REPO,
        env: { ...env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 120_000);
      server?.stderr?.setEncoding('utf8').on('data', (s: string) => {
        stderr += s;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const pid = server.pid as number;

    // Sign in as a user does: the link arrives in the outbox.
    await fetch(`${base}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: who.email }),
    });
    const outbox = path.join(dataDir, 'outbox');
    let token: string | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const files = (() => {
        try {
          return readdirSync(outbox).filter((f) => f.endsWith('.eml'));
        } catch {
          return [];
        }
      })();
      if (files[0])
        token = /token=([A-Za-z0-9_-]+)/.exec(
          (await simpleParser(readFileSync(path.join(outbox, files[0])))).text ?? '',
        )?.[1];
    }
    if (!token) throw new Error('no sign-in email in the outbox');
    const verified = await fetch(`${base}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const cookie = (verified.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const me = (await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    const created = await fetch(`${base}/api/v1/me/api-tokens`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'p9 benchmark' }),
    });
    const { token: apiToken } = (await created.json()) as { token: string };
    const url = `${base}/api/v1/offices/${who.office_id}/alerts?date=2026-12-01`;
    const headers = { authorization: `Bearer ${apiToken}` };
    const check = await fetch(url, { headers });
    const sample = (await check.json()) as { alerts: unknown[] };
    if (check.status !== 200) throw new Error(`alerts answered ${check.status}`);

    const connections = Number(args.connections);
    process.stderr.write(`warming up (5 s)…\n`);
    await autocannon({ url, headers, connections, duration: 5 });
    const rss: Array<{ t: number; bytes: number; done: number }> = [];
    let done = 0;
    const transactionsBefore = await transactionsOf(dbUrl);
    const cpuBefore = cpuMsOf(pid);
    const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
    const started = Date.now();
    const sampler = setInterval(() => rss.push({ t: Date.now() - started, bytes: rssOf(pid), done }), 1000);
    rss.push({ t: 0, bytes: rssOf(pid), done: 0 });
    process.stderr.write(`${args.requests} requests, ${connections} connections…\n`);
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ url, headers, connections, amount: Number(args.requests) }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
      instance.on('response', () => {
        done += 1;
      });
    });
    clearInterval(sampler);
    rss.push({ t: Date.now() - started, bytes: rssOf(pid), done });
    const cpuMs = cpuMsOf(pid) - cpuBefore;
    // Minus the transactionsOf reads themselves: the first one's own statement (2 statements, 1 counted
    // after it ended) — a pg.Client query outside a transaction is one transaction each.
    const transactions = (await transactionsOf(dbUrl)) - transactionsBefore - 2;

    const quarter = Math.max(1, Math.floor(rss.length / 4));
    const firstQuarter = median(rss.slice(0, quarter).map((r) => r.bytes));
    const lastQuarter = median(rss.slice(-quarter).map((r) => r.bytes));
    const figures = {
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      durationS: result.duration,
      requestsPerSecond: Math.round(result.requests.total / result.duration),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      alertsPerResponse: sample.alerts.length,
      // Load-independent: what one request costs the server, whatever else runs on the machine.
      serverCpuMsPerRequest: Math.round((cpuMs / result.requests.total) * 1000) / 1000,
      serverCpuS: Math.round(cpuMs) / 1000,
      statementsPerRequest: Math.round((transactions / result.requests.total) * 100) / 100,
      rssMb: {
        first: mb(rss[0]?.bytes ?? 0),
        firstQuarterMedian: mb(firstQuarter),
        lastQuarterMedian: mb(lastQuarter),
        last: mb(rss.at(-1)?.bytes ?? 0),
        max: mb(Math.max(...rss.map((r) => r.bytes))),
      },
    };
    const verdict = {
      throughput: figures.requestsPerSecond >= 1000,
      p99: figures.latencyMs.p99 <= 50,
      // Flat: the median RSS of the last quarter of the run within 10 % of the first quarter's.
      rssFlat: lastQuarter <= firstQuarter * 1.1,
      noErrors: figures.non2xx === 0 && figures.errors === 0,
    };
    const report = {
      goal: 'P9',
      date: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim(),
      // The machine's 1-, 5- and 15-minute load averages before and after the measured requests.
      loadAverage: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 100) / 100) },
      machine: `${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GB`,
      command: `node bench/p9-api.ts ${process.argv.slice(2).join(' ')}`.trim(),
      settings: {
        offices: Number(args.offices),
        connections,
        requests: Number(args.requests),
        db: 'postgres',
        nodeFlags: NODE_FLAGS,
        serverCpuProfile: profDir !== null,
      },
      figures,
      verdict,
      rssSamples: rss,
    };
    process.stdout.write(`${JSON.stringify({ ...report, rssSamples: undefined }, null, 2)}\n`);
    if (!args['no-record']) {
      const file = path.join(
        REPO,
        'bench',
        'results',
        `${report.date.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')}-P9.json`,
      );
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`written ${path.relative(REPO, file)}\n`);
    }
    return Object.values(verdict).every(Boolean) ? 0 : 1;
  } finally {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
