// staffs.email must be one plain mailbox (src/domain/email-address.ts): a stored
// `victim@example.jp\r\nBcc: evil@x.jp` was written into the headers of the outbox's .eml files.
//
// NOT VALID: the constraint holds for every row inserted or updated from now on (the seed, a
// snapshot restore, the HTTP API, any SQL client), but the migration does not check the rows
// already there, so it cannot fail on a database that has some bad addresses. Those rows stay as
// they are: the email channel refuses them at send time (the delivery ends 'failed', permanent,
// code EADDRESS, nothing written or sent), and an operator finds them with
//   SELECT id FROM staffs WHERE NOT (email ~ '<the pattern below>');
// fixes them, then may run ALTER TABLE staffs VALIDATE CONSTRAINT staffs_email_valid.
// Changing or deleting them here would silently alter personal data.
//
// The pattern is a copy of EMAIL_ADDRESS_PATTERN as of this migration (a test checks they agree);
// a later change of the rule needs a new migration.
export const EMAIL_PATTERN =
  '^(?=[^@]{1,64}@)(?=.{3,254}$)(?:[A-Za-z0-9!#$%&\'*+/=?^_\\u0060{|}~\\u002d\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd]+(?:\\.[A-Za-z0-9!#$%&\'*+/=?^_\\u0060{|}~\\u002d\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd]+)*|"[\\u0020\\u0021\\u0023-\\u0027\\u002a\\u002b\\u002d-\\u0039\\u003d\\u003f\\u0041-\\u005a\\u005e-\\u007e]{1,62}")@[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd](?:[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd\\u002d]{0,61}[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd])?(?:\\.[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd](?:[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd\\u002d]{0,61}[A-Za-z0-9\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd])?)*$';

const quoted = `'${EMAIL_PATTERN.replaceAll("'", "''")}'`;

export const statements = [
  `ALTER TABLE staffs ADD CONSTRAINT staffs_email_valid CHECK (email ~ ${quoted}) NOT VALID`,
] as const;
