// Migration 0003: staffs.email holds one plain mailbox, on both engines, for every insert path;
// and the migration itself does not fail on a database that already has bad addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import * as m0001 from '../../src/db/migrations/0001-initial.ts';
import * as m0002 from '../../src/db/migrations/0002-plan-read-indexes.ts';
import { EMAIL_PATTERN } from '../../src/db/migrations/0003-staff-email-check.ts';
import { EMAIL_BODY_PATTERN } from '../../src/db/migrations/0007-staff-email-check-lengths.ts';
import {
  EMAIL_ADDRESS_BODY_PATTERN,
  EMAIL_ADDRESS_PATTERN,
  isValidEmailAddress,
} from '../../src/domain/email-address.ts';
import { migrateOnly, openEmptyDatabase, testEngines } from '../helpers/databases.ts';

const CHECK_VIOLATION = '23514';

/** Valid and invalid addresses; the database must agree with parseEmailAddress on each. */
const CASES: ReadonlyArray<[string, boolean]> = [
  ['taro@example.jp', true],
  ['Taro.Yamada+kigen@mail.example.co.jp', true],
  ['"taro yamada"@example.jp', true],
  ['山田@例え.jp', true],
  ["o'brien@example.jp", true],
  ['ops@localhost', true],
  ['victim@example.jp\r\nBcc: evil@x.jp', false],
  ['c@x.jp>, <d@evil.example.jp', false],
  ['"c@x.jp>, <d"@evil.example.jp', false],
  ['Taro <taro@example.jp>', false],
  ['a b@example.jp', false],
  ['a..b@example.jp', false],
  ['a@-example.jp', false],
  ['a@example.jp\u202e', false],
  ['a@example.jp;b@example.jp', false],
  [`${'x'.repeat(65)}@example.jp`, false],
  ['', false],
  // The lengths 0007 tests outside the pattern: 64 before @ (65 is above), 254 in all, 3 at least.
  [`${'x'.repeat(64)}@example.jp`, true],
  [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.jp`, true], // 254
  [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(58)}.jp`, false], // 255
  ['@example.jp', false],
  ['a@b', true],
  ['a@', false],
];

async function insertStaffWithEmail(db: Db, n: number, email: string): Promise<void> {
  await db.k
    .insertInto('staffs')
    .values({
      id: `10000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
      email,
      last_name: '職員',
      first_name: String(n),
      full_name: `職員 ${n}`,
      role: 'employee',
    })
    .execute();
}

it('the migration carries the same pattern as the domain rule', () => {
  expect(EMAIL_PATTERN).toBe(EMAIL_ADDRESS_PATTERN);
  expect(EMAIL_BODY_PATTERN).toBe(EMAIL_ADDRESS_BODY_PATTERN);
  for (const [address, valid] of CASES)
    expect([address, isValidEmailAddress(address)]).toEqual([address, valid]);
});

describe.each(testEngines())('staffs.email on %s', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await openEmptyDatabase(engine);
    // A database at schema 0002 that already holds a bad address, as an existing install may.
    await migrateOnly(db, { '0001-initial': m0001.statements, '0002-plan-read-indexes': m0002.statements });
    await insertStaffWithEmail(db, 1, 'victim@example.jp\r\nBcc: evil@x.jp');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('migrates a database with an invalid address without failing, keeping the row', async () => {
    const { applied } = await migrateToLatest(db.k);
    // 0003 and every later migration apply, with the bad row in place.
    expect(applied[0]).toBe('0003-staff-email-check');
    const rows = await db.k.selectFrom('staffs').select('email').execute();
    expect(rows.map((r) => r.email)).toEqual(['victim@example.jp\r\nBcc: evil@x.jp']);
  });

  it('accepts exactly the addresses parseEmailAddress accepts', async () => {
    let n = 100;
    for (const [address, valid] of CASES) {
      n += 1;
      const outcome = await insertStaffWithEmail(db, n, address).then(
        () => 'inserted',
        (e: unknown) => String((e as { code?: unknown }).code),
      );
      expect([address, outcome]).toEqual([address, valid ? 'inserted' : CHECK_VIOLATION]);
    }
  });
});
