// A real kigen server for tests: a migrated database (PGlite or PostgreSQL), two offices with staff
// of every role, the outbox as mail transport, and a logger that keeps every line for the log scan.
import { createECDH, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config/config.ts';
import type { Db } from '../../src/db/database.ts';
import { buildServer } from '../../src/http/server.ts';
import type { Access } from '../../src/http/types.ts';
import { createLogger } from '../../src/logger.ts';
import type { RunSummary } from '../../src/run/summary.ts';
import { createServeParts, type ServeParts } from '../../src/serve-app.ts';
import type { RunForDate } from '../../src/services/run-runner.ts';
import { openTestDatabase } from '../helpers/databases.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';

export const PERSONAS = ['employeeA', 'managerA', 'ownerA', 'employeeB', 'managerB', 'admin'] as const;
export type Persona = (typeof PERSONAS)[number];

export interface Harness {
  db: Db;
  app: FastifyInstance;
  parts: ServeParts;
  officeA: string;
  officeB: string;
  staff: Record<Persona, StaffFixture>;
  outbox: string;
  routes: Array<{ method: string; url: string; access: Access }>;
  /** Every log line the server wrote. */
  logLines: string[];
  /** Secrets handed out during the test (tokens, session ids): the log scan looks for each. */
  secrets: Set<string>;
  clock: { now: Date };
  runs: string[];
  signIn(persona: Persona): Promise<Session>;
  /** Requests a link for `email` and returns the token from the email that arrived (null: none). */
  linkToken(email: string, ip?: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface Session {
  cookie: string;
  sessionId: string;
  csrf: string;
  /** inject with the session cookie (and the CSRF header on writes unless csrf: false). */
  request(
    method: string,
    url: string,
    body?: unknown,
    opts?: { csrf?: boolean; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
}

export function validSubscriptionKeys(): { p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

export async function startHarness(
  engine: 'pglite' | 'postgres',
  opts: {
    publicUrl?: string;
    env?: Record<string, string>;
    runForDate?: RunForDate;
    signInLimits?: { perAddress: number; perIp: number };
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'kigen-http-'));
  const config = loadConfig(
    {
      KIGEN_DATA_DIR: dir,
      DASHBOARD_URL: opts.publicUrl ?? 'http://localhost:3000/',
      LOG_LEVEL: 'debug',
      ...opts.env,
    },
    {},
  );
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger('debug', sink);
  const db = await openTestDatabase(engine);
  const f = createFixtures(db);
  const officeA = await f.office({ name: '事業所A' });
  const officeB = await f.office({ name: '事業所B' });
  const staff = {
    employeeA: await f.staff({ offices: [officeA], role: 'employee' }),
    managerA: await f.staff({ offices: [officeA], role: 'manager' }),
    ownerA: await f.staff({ offices: [officeA], role: 'owner' }),
    employeeB: await f.staff({ offices: [officeB], role: 'employee' }),
    managerB: await f.staff({ offices: [officeB], role: 'manager' }),
    admin: await f.staff({ offices: [], role: 'app_admin' }),
  } satisfies Record<Persona, StaffFixture>;
  await f.recipient({ office: officeA, deadline: '2026-12-05', lastName: '佐藤', firstName: '花子' });
  await f.recipient({ office: officeA, deadline: '2026-11-20', lastName: '安藤', firstName: '一郎' });
  await f.recipient({
    office: officeB,
    deadline: null,
    deliverables: [],
    lastName: '鈴木',
    firstName: '次郎',
  });

  const clock = { now: new Date() };
  const runs: string[] = [];
  const runForDate: RunForDate =
    opts.runForDate ??
    (async (runDate) => {
      runs.push(runDate);
      return { runDate, status: 'completed' } as RunSummary;
    });
  const parts = createServeParts(
    { config, db, logger },
    {
      runForDate,
      now: () => clock.now,
      signInLimits: opts.signInLimits ?? { perAddress: 1000, perIp: 1000 },
    },
  );
  const routes: Harness['routes'] = [];
  const app = await buildServer({ ...parts.deps, onRoute: (r) => routes.push(r) });
  await app.ready();
  const outbox = join(dir, 'outbox');
  const secrets = new Set<string>();

  async function linkToken(email: string, ip = '192.0.2.1'): Promise<string | null> {
    const before = new Set(await readdir(outbox).catch(() => [] as string[]));
    const res = await app.inject({
      method: 'POST',
      url: '/auth/sign-in',
      payload: { email },
      remoteAddress: ip,
    });
    if (res.statusCode !== 202) throw new Error(`sign-in request answered ${res.statusCode}: ${res.body}`);
    await parts.deps.signIn.idle();
    const fresh = (await readdir(outbox).catch(() => [] as string[])).filter(
      (n) => !before.has(n) && n.endsWith('.eml'),
    );
    if (fresh.length === 0) return null;
    const mail = await simpleParser(await readFile(join(outbox, fresh[0] as string)));
    const token = /auth\/verify\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? null;
    if (token) secrets.add(token);
    return token;
  }

  async function signIn(persona: Persona): Promise<Session> {
    const token = await linkToken(staff[persona].email, `198.51.100.${PERSONAS.indexOf(persona) + 1}`);
    if (!token) throw new Error(`no sign-in email for ${persona}`);
    const res = await app.inject({ method: 'POST', url: '/auth/verify', payload: { token } });
    if (res.statusCode !== 200) throw new Error(`verify answered ${res.statusCode}: ${res.body}`);
    const cookie = res.cookies[0];
    if (!cookie) throw new Error('no session cookie');
    secrets.add(cookie.value);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      cookies: { [cookie.name]: cookie.value },
    });
    const csrf = me.json().csrfToken as string;
    secrets.add(csrf);
    return {
      cookie: cookie.name,
      sessionId: cookie.value,
      csrf,
      request(method, url, body, o = {}) {
        return app.inject({
          method: method as 'GET',
          url,
          cookies: { [cookie.name]: cookie.value },
          headers: { ...(o.csrf === false ? {} : { 'x-csrf-token': csrf }), ...o.headers },
          ...(body === undefined ? {} : { payload: body as object }),
        });
      },
    };
  }

  return {
    db,
    app,
    parts,
    officeA,
    officeB,
    staff,
    outbox,
    routes,
    logLines,
    secrets,
    clock,
    runs,
    signIn,
    linkToken,
    async close() {
      await app.close();
      await parts.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Problems with the log lines: a whole e-mail address, a secret handed out in the test, a cookie
 * header or a push key. Masked addresses ('t***@example.jp') are fine.
 */
export function logProblems(lines: readonly string[], secrets: Iterable<string>): string[] {
  const problems: string[] = [];
  const list = [...secrets].filter((s) => s.length >= 16);
  for (const line of lines) {
    const address = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/.exec(line)?.[0];
    if (address && !address.includes('***')) problems.push(`address ${address} in: ${line.slice(0, 200)}`);
    for (const s of list) if (line.includes(s)) problems.push(`secret in: ${line.slice(0, 200)}`);
    if (/kigen_session=|"cookie"|p256dh|authorization/i.test(line))
      problems.push(`cookie/key in: ${line.slice(0, 200)}`);
  }
  return problems;
}
