// Snapshots against a real database: save → restore gives the same data and alerts; a corrupt,
// truncated, mismatched or failing snapshot leaves the database exactly as it was.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { SCHEMA_VERSION } from '../../src/db/migrate.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { seedDatabase, truncateAll } from '../../src/db/seed/load-seed.ts';
import { encodeHeader, readHeader, type SnapshotHeader } from '../../src/db/snapshot/snapshot-format.ts';
import { readCatalog, readIndexDefinitions } from '../../src/db/snapshot/snapshot-tables.ts';
import {
  deleteSnapshot,
  listSnapshots,
  restoreSnapshot,
  SNAPSHOT_TABLES,
  SnapshotError,
  saveSnapshot,
  verifySnapshot,
} from '../../src/db/snapshot.ts';
import { planChunks } from '../../src/run/plan.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';

const BASE_DATE = '2026-12-01';
const RUN_DATE = '2026-12-07';

async function seed(db: Db, seedNumber: number, reset = false): Promise<void> {
  await seedDatabase(db, {
    offices: 20,
    staffPerOffice: 4,
    recipientsPerOffice: 6,
    seed: seedNumber,
    baseDate: BASE_DATE,
    pushEndpointBase: 'https://push.example.test/',
    testDataShare: 0.1,
    reset,
  });
}

/** Rows the seed does not make: bigserial ids, jsonb, text that CSV must quote, NULLs, timestamps. */
async function addRunRows(db: Db): Promise<void> {
  const staff = await db.k.selectFrom('staffs').select('id').orderBy('id').limit(2).execute();
  await sql`INSERT INTO audit_logs (actor_id, action, target_type, target_id, details, created_at)
    VALUES (NULL, 'note', 'office', 'x"y,z', ${JSON.stringify({ text: '改行\nと "引用" と ,' })}::jsonb,
            '2026-12-07 09:00:00.123456+09')`.execute(db.k);
  const { rows } = await sql<{ id: string }>`INSERT INTO runs (run_date, scope, status, summary)
    VALUES ('2026-12-07', 'production', 'completed', '{"sent": 3}') RETURNING id`.execute(db.k);
  const runId = rows[0]?.id;
  for (const [i, s] of staff.entries()) {
    await sql`INSERT INTO deliveries (run_id, run_date, staff_id, channel, status, error_reason, payload)
      VALUES (${runId}, '2026-12-07', ${s.id}, 'email', ${i === 0 ? 'sent' : 'failed'},
              ${i === 0 ? null : 'line one\r\nline "two"'}, '{"channel": "email", "n": [1, 2.5]}')`.execute(
      db.k,
    );
  }
  // Sign-in rows (migration 0004): hashes only, as kigen serve stores them.
  const first = staff[0]?.id;
  await sql`INSERT INTO sign_in_tokens (token_hash, staff_id, expires_at, used_at)
    VALUES (${'a'.repeat(64)}, ${first}, '2026-12-07 09:15:00+09', NULL)`.execute(db.k);
  await sql`INSERT INTO sessions (id_hash, staff_id, expires_at, user_agent)
    VALUES (${'b'.repeat(64)}, ${first}, '2026-12-07 21:00:00+09', 'Mozilla/5.0 "quoted", comma')`.execute(
    db.k,
  );
  await sql`INSERT INTO api_tokens (staff_id, name, token_hash) VALUES (${first}, 'nightly', ${'c'.repeat(64)})`.execute(
    db.k,
  );
}

/** Every row of every table, in key order, as text: equal fingerprints mean equal data. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of SNAPSHOT_TABLES) {
    const { rows } = await sql<{ n: number; digest: string }>`
      SELECT count(*)::int AS n,
             md5(coalesce(string_agg(to_jsonb(t)::text, E'\n' ORDER BY to_jsonb(t)::text), '')) AS digest
      FROM ${sql.table(table)} t`.execute(db.k);
    out[table] = `${rows[0]?.n}:${rows[0]?.digest}`;
  }
  // Restore drops and re-creates keys and indexes: they must be back, the same, whatever happened.
  out.indexes = (await readIndexDefinitions(db, SNAPSHOT_TABLES)).create.join('\n');
  return out;
}

async function alertsOf(db: Db): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of planChunks(createPlanReader(db, 'production'), {
    runDate: RUN_DATE,
    chunkSize: 7,
    grouping: 'digest',
    push: true,
  })) {
    out.push({ alerts: [...chunk.alertsByOffice], deliveries: chunk.deliveries });
  }
  return out;
}

/** Rewrites a snapshot's tables (uncompressed CSV) and header, with a correct size and sha256. */
async function rewrite(
  file: string,
  target: string,
  edit: (csv: Map<string, Buffer>, header: SnapshotHeader) => void,
): Promise<void> {
  const { header, bodyOffset } = await readHeader(file, 'source');
  const plain = gunzipSync((await readFile(file)).subarray(bodyOffset));
  const csv = new Map<string, Buffer>();
  let at = 0;
  for (const t of header.tables) {
    csv.set(t.name, plain.subarray(at, at + t.bytes));
    at += t.bytes;
  }
  edit(csv, header);
  for (const t of header.tables) t.bytes = csv.get(t.name)?.length ?? 0;
  const body = gzipSync(Buffer.concat(header.tables.map((t) => csv.get(t.name) ?? Buffer.alloc(0))));
  header.bodyBytes = body.length;
  header.sha256 = createHash('sha256').update(body).digest('hex');
  await writeFile(target, Buffer.concat([encodeHeader(header), body]));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe.each(testEngines())('snapshots on %s', (engine) => {
  let db: Db;
  let dir: string;
  let original: Record<string, string>;
  let originalAlerts: unknown[];
  const file = (name: string) => join(dir, `${name}.kigen-snapshot`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kigen-snapshot-'));
    db = await openTestDatabase(engine);
    await seed(db, 7);
    await addRunRows(db);
    original = await fingerprint(db);
    originalAlerts = await alertsOf(db);
    await saveSnapshot(db, dir, 'base');
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every table of the schema', async () => {
    const catalog = await readCatalog(db);
    expect(catalog.unlisted).toEqual([]);
    for (const t of catalog.tables) expect(t.columns.length, t.name).toBeGreaterThan(0);
  });

  it('saves a header with the schema version, row counts and the sha256 of the body', async () => {
    const summary = await verifySnapshot(dir, 'base');
    expect(summary.header).toMatchObject({
      format: 'kigen-snapshot',
      formatVersion: 2,
      schemaVersion: SCHEMA_VERSION,
      engine,
      compression: 'gzip',
    });
    expect(summary.header.tables.map((t) => t.name)).toEqual([...SNAPSHOT_TABLES]);
    const rows = Object.fromEntries(summary.header.tables.map((t) => [t.name, t.rows]));
    expect(rows).toMatchObject({ offices: 20, staffs: 80, runs: 1, deliveries: 2, audit_logs: 1 });
    const whole = await readFile(file('base'));
    const firstLine = whole.subarray(0, whole.indexOf(0x0a)).toString();
    expect(JSON.parse(firstLine)).toEqual(summary.header);
    expect(await readdir(dir)).toEqual(['base.kigen-snapshot']); // no temporary file left
  });

  it('restores into an emptied database: same rows, same alerts, and it saves to the same bytes', async () => {
    await seed(db, 99, true); // other data first, so that a no-op restore cannot pass
    expect(await fingerprint(db)).not.toEqual(original);
    await truncateAll(db);

    const tables: string[] = [];
    const steps: string[] = [];
    await restoreSnapshot(db, dir, 'base', { onTable: (t) => tables.push(t), onStep: (s) => steps.push(s) });
    expect(steps).toEqual(['checksum', 'keys', 'analyze']);
    expect(await fingerprint(db)).toEqual(original);
    expect(await alertsOf(db)).toEqual(originalAlerts);
    expect(tables).toEqual([...SNAPSHOT_TABLES]); // every table has rows here

    const again = await saveSnapshot(db, dir, 'again');
    expect(again.header.sha256).toBe((await readHeader(file('base'), 'base')).header.sha256);
    await deleteSnapshot(dir, 'again');
  });

  it('moves the sequences past the restored ids', async () => {
    const { rows } = await sql<{ id: string }>`INSERT INTO runs (run_date, scope, status)
      VALUES ('2026-12-08', 'production', 'running') RETURNING id`.execute(db.k);
    const max = await sql<{ m: string }>`SELECT max(id) AS m FROM runs WHERE run_date < '2026-12-08'`.execute(
      db.k,
    );
    expect(Number(rows[0]?.id)).toBe(Number(max.rows[0]?.m) + 1);
    await sql`DELETE FROM runs WHERE run_date = '2026-12-08'`.execute(db.k);
  });

  it('refuses to replace existing data unless asked to', async () => {
    const error = await rejection(restoreSnapshot(db, dir, 'base'));
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).code).toBe('SNAPSHOT_TARGET_NOT_EMPTY');
    expect(error.message).toContain('--replace');
    await restoreSnapshot(db, dir, 'base', { replace: true });
    expect(await fingerprint(db)).toEqual(original);
  });

  describe('leaves the database as it was', () => {
    let before: Record<string, string>;
    beforeAll(async () => {
      await seed(db, 11, true); // the data a failed restore must not disturb
      before = await fingerprint(db);
    });

    async function expectRefused(name: string, code: string, text: RegExp): Promise<void> {
      const error = await rejection(restoreSnapshot(db, dir, name, { replace: true }));
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).code).toBe(code);
      expect(error.message).toMatch(text);
      expect(await fingerprint(db)).toEqual(before);
    }

    it('when a byte of the body is flipped', async () => {
      const bytes = await readFile(file('base'));
      const { bodyOffset } = await readHeader(file('base'), 'base');
      const at = bodyOffset + Math.floor((bytes.length - bodyOffset) / 2);
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
      await writeFile(file('flipped'), bytes);
      await expectRefused(
        'flipped',
        'SNAPSHOT_CORRUPT',
        /sha256 .*does not match.*kigen snapshot delete flipped/,
      );
    });

    /** The file with one header field's text replaced in place (same length): no checksum is redone. */
    async function editHeaderText(target: string, from: RegExp, to: (m: string) => string): Promise<void> {
      const bytes = await readFile(file('base'));
      const newline = bytes.indexOf(0x0a);
      const line = bytes.subarray(0, newline).toString('latin1');
      const edited = line.replace(from, to);
      expect(edited).not.toBe(line);
      expect(edited.length).toBe(line.length);
      await writeFile(target, Buffer.concat([Buffer.from(edited, 'latin1'), bytes.subarray(newline)]));
    }

    it("when the header's createdAt is changed", async () => {
      await editHeaderText(file('created'), /"createdAt":"\d{4}/, (m) => m.replace(/\d{4}$/, '1999'));
      await expectRefused('created', 'SNAPSHOT_CORRUPT', /header does not match its checksum/);
    });

    it('when a table size in the header is flipped', async () => {
      await editHeaderText(file('size'), /"bytes":(\d)/, (m) =>
        m.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
      );
      await expectRefused('size', 'SNAPSHOT_CORRUPT', /header does not match its checksum/);
    });

    it('when the file is truncated', async () => {
      await writeFile(file('short'), await readFile(file('base')));
      await truncate(file('short'), (await readFile(file('base'))).length - 100);
      await expectRefused('short', 'SNAPSHOT_CORRUPT', /truncated/);
      await truncate(file('short'), 100); // not even a whole header line
      await expectRefused('short', 'SNAPSHOT_CORRUPT', /no header line/);
    });

    it('when it is not a snapshot at all', async () => {
      await writeFile(file('text'), 'hello\nworld\n');
      await expectRefused('text', 'SNAPSHOT_CORRUPT', /not valid JSON/);
    });

    it('when the schema version differs', async () => {
      await rewrite(file('base'), file('old-schema'), (_csv, header) => {
        header.schemaVersion = '0000-older';
      });
      await expectRefused(
        'old-schema',
        'SNAPSHOT_SCHEMA_MISMATCH',
        /saved at schema 0000-older.*snapshot save old-schema --force/,
      );
    });

    it('when the columns differ from the schema the header names', async () => {
      await rewrite(file('base'), file('columns'), (_csv, header) => {
        header.tables[0]?.columns.pop();
      });
      await expectRefused('columns', 'SNAPSHOT_SCHEMA_MISMATCH', /tables and columns/);
    });

    it('when the file format version is unknown', async () => {
      await rewrite(file('base'), file('format-2'), (_csv, header) => {
        (header as { formatVersion: number }).formatVersion = 3;
      });
      await expectRefused('format-2', 'SNAPSHOT_SCHEMA_MISMATCH', /file format version 3/);
    });

    /** Appends a row to a table's CSV: the copy of its first row with some fields replaced. */
    function appendRow(table: string, change: (fields: string[]) => void) {
      return (csv: Map<string, Buffer>, header: SnapshotHeader) => {
        const data = csv.get(table) as Buffer;
        const fields = data.subarray(0, data.indexOf(0x0a)).toString().split(',');
        change(fields);
        csv.set(table, Buffer.concat([data, Buffer.from(`${fields.join(',')}\n`)]));
        const t = header.tables.find((x) => x.name === table);
        if (t) t.rows += 1;
      };
    }

    const NEW_ID = '11111111-1111-4111-8111-111111111111';
    it.each([
      {
        // plan_deliverables is the 6th of 10 tables: five are loaded when its CHECK fails.
        what: 'a CHECK fails while a middle table loads',
        table: 'plan_deliverables',
        change: (f: string[]) => f.splice(0, 3, NEW_ID, f[1] as string, 'bogus'),
        message: /check constraint/,
      },
      {
        what: 'a staff address could inject a header (CHECK staffs_email_valid, migration 0003)',
        table: 'staffs',
        change: (f: string[]) => f.splice(0, 2, NEW_ID, '"victim@example.jp\r\nBcc: evil@x.jp"'),
        message: /staffs_email_valid/,
      },
      {
        // The last table loads; its primary key, rebuilt after all tables, finds the duplicate.
        what: 'a key is duplicated (found when the keys are rebuilt)',
        table: 'deliveries',
        change: () => {},
        message: /duplicate|unique/,
      },
      {
        what: 'a foreign key points nowhere (found when the keys are re-checked)',
        table: 'plan_deliverables',
        change: (f: string[]) => f.splice(0, 2, NEW_ID, '00000000-0000-4000-8000-000000000000'),
        message: /foreign key/,
      },
    ])('when $what', async ({ table, change, message }) => {
      await rewrite(file('base'), file('bad-row'), appendRow(table, change));
      await verifySnapshot(dir, 'bad-row'); // passes every check that comes before the database
      const error = await rejection(restoreSnapshot(db, dir, 'bad-row', { replace: true }));
      expect(error.message).toMatch(message);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).code).toBe('SNAPSHOT_INVALID_ROWS');
      expect(await fingerprint(db)).toEqual(before);
    });

    it('when a table has more rows than its header says', async () => {
      await rewrite(file('base'), file('rows'), (_csv, header) => {
        const t = header.tables.find((x) => x.name === 'plan_deliverables');
        if (t) t.rows -= 1;
      });
      await expectRefused('rows', 'SNAPSHOT_CORRUPT', /plan_deliverables has \d+ rows but the header says/);
    });

    it('when the gzip stream inside is damaged although the checksum matches', async () => {
      const { header, bodyOffset } = await readHeader(file('base'), 'base');
      const body = Buffer.from((await readFile(file('base'))).subarray(bodyOffset));
      body.fill(0x41, 100, 200);
      header.sha256 = createHash('sha256').update(body).digest('hex');
      await writeFile(file('gzip'), Buffer.concat([encodeHeader(header), body]));
      await expectRefused('gzip', 'SNAPSHOT_CORRUPT', /does not decompress/);
    });

    it('when the snapshot does not exist', async () => {
      await expectRefused(
        'nowhere',
        'SNAPSHOT_NOT_FOUND',
        /no snapshot named "nowhere".*kigen snapshot list/,
      );
    });
  });

  it('lists snapshots with their header, and corrupt ones with the problem', async () => {
    const listed = await listSnapshots(dir);
    const base = listed.find((s) => s.name === 'base');
    expect(base?.header?.tables.find((t) => t.name === 'offices')?.rows).toBe(20);
    expect(base?.bytes).toBe((await readFile(file('base'))).length);
    expect(listed.find((s) => s.name === 'text')?.problem).toMatch(/corrupt/);
    expect(listed.map((s) => s.name)).toEqual([...listed.map((s) => s.name)].sort());
  });

  it('refuses to overwrite a snapshot unless asked, and removes a dead save’s temporary file', async () => {
    await writeFile(join(dir, 'base.kigen-snapshot.tmp-999999999'), 'left by a killed save');
    const error = await rejection(saveSnapshot(db, dir, 'base'));
    expect((error as SnapshotError).code).toBe('SNAPSHOT_EXISTS');
    expect(await readdir(dir)).not.toContain('base.kigen-snapshot.tmp-999999999');

    const current = await fingerprint(db); // seed 11, unlike the saved 'base'
    const old = (await readHeader(file('base'), 'base')).header.sha256;
    const replaced = await saveSnapshot(db, dir, 'base', { overwrite: true });
    expect(replaced.header.sha256).not.toBe(old);
    await truncateAll(db);
    await restoreSnapshot(db, dir, 'base');
    expect(await fingerprint(db)).toEqual(current);
  });

  it('deletes a snapshot, and says so when there is none', async () => {
    await deleteSnapshot(dir, 'text');
    expect((await listSnapshots(dir)).map((s) => s.name)).not.toContain('text');
    const error = await rejection(deleteSnapshot(dir, 'text'));
    expect((error as SnapshotError).code).toBe('SNAPSHOT_NOT_FOUND');
  });

  it.each(['../x', 'a/b', '', '.', '..', '.hidden', '-rf', 'x'.repeat(65), 'a b', 'a\\b', 'é'])(
    'rejects the name %j before touching any file',
    async (name) => {
      for (const attempt of [
        saveSnapshot(db, dir, name),
        restoreSnapshot(db, dir, name, { replace: true }),
        deleteSnapshot(dir, name),
      ]) {
        const error = await rejection(attempt);
        expect((error as SnapshotError).code).toBe('SNAPSHOT_NAME_INVALID');
      }
    },
  );
});
