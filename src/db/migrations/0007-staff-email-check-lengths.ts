// The CHECK of migration 0003 again, saying the same thing at a fraction of the cost. PostgreSQL's
// regular-expression engine spent about 1 ms per row on 0003's pattern: its look-ahead
// `(?=.{3,254}$)` is a bounded repeat that the engine expands into a large automaton. `kigen import`
// of 50,000 staff spent ~20 s in this CHECK alone (BENCHMARKS.md, import section). The two
// look-aheads become length tests; the rest of the pattern is unchanged, so the rule is the same
// (test/db/staff-email-check.test.ts checks the database against src/domain/email-address.ts).
//
// NOT VALID as in 0003: rows stored before 0003 are still not checked by the migration.
// EMAIL_BODY_PATTERN is a copy of EMAIL_ADDRESS_BODY_PATTERN as of this migration (a test checks
// they agree); a later change of the rule needs a new migration.
export const EMAIL_BODY_PATTERN =
  '^(?:[A-Za-z0-9!#$%&\'*+/=?^_\\u0060{|}~\\u002d\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd]+(?:\\.[A-Za-z0-9!#$%&\'*+/=?^_\\u0060{|}~\\u002d\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd]+)*|"[\\u0020\\u0021\\u0023-\\u0027\\u002a\\u002b\\u002d-\\u0039\\u003d\\u003f\\u0041-\\u005a\\u005e-\\u007e]{1,62}")@[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd](?:[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd\\u002d]{0,61}[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd])?(?:\\.[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd](?:[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd\\u002d]{0,61}[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd])?)*$';

const quoted = `'${EMAIL_BODY_PATTERN.replaceAll("'", "''")}'`;

export const statements = [
  `ALTER TABLE staffs DROP CONSTRAINT staffs_email_valid`,
  // (?=.{3,254}$): 3 to 254 characters; (?=[^@]{1,64}@): the first @ after 1 to 64 characters.
  `ALTER TABLE staffs ADD CONSTRAINT staffs_email_valid CHECK (
     char_length(email) BETWEEN 3 AND 254 AND strpos(email, '@') BETWEEN 2 AND 65 AND email ~ ${quoted}) NOT VALID`,
] as const;
