// Which stored e-mail addresses kigen will write into a header or an SMTP envelope. One rule, used
// by the email channel before any transport sees a message, by the CHECK constraint on
// staffs.email (migration 0003 carries a copy of EMAIL_ADDRESS_PATTERN), and by the insert paths.
//
// The rule is an RFC 5321 mailbox, deliberately narrower than RFC 5322: a single `local@domain`
// with no display name, comments, angle brackets, commas or white space outside a quoted local
// part, and no control, line-separator or bidi-control character anywhere. That is what makes
// `victim@example.jp\r\nBcc: evil@x.jp` and `c@x.jp>, <d@evil.example.jp` impossible to store or
// send. Allowed beyond ASCII (RFC 6531): non-ASCII letters in the local part and IDN labels in the
// domain (例え.jp). A quoted local part may hold spaces and most punctuation, but not `"`, `\`,
// `<`, `>`, `(`, `)`, `[`, `]`, `,`, `;`, `:` or `@`, so no header parser can read a second
// mailbox out of it.

/**
 * Non-ASCII characters allowed in a local part or a domain label: the Basic Multilingual Plane
 * without C1 controls (U+0080–U+00A0), bidi marks and controls (U+061C, U+200E/F, U+202A–U+202E,
 * U+2066–U+2069), zero-width characters, line and paragraph separators, surrogates, private use
 * and U+FEFF. Written with \uXXXX escapes only: the same text is a JavaScript (u flag) and a
 * PostgreSQL regular expression.
 */
const NON_ASCII =
  '\\u00a1-\\u061b\\u061d-\\u200a\\u2010-\\u2027\\u2030-\\u205f\\u2070-\\ud7ff\\uf900-\\ufefe\\uff00-\\ufffd';
/** RFC 5322 atext: letters, digits and !#$%&'*+/=?^_`{|}~- */
const ATEXT = `A-Za-z0-9!#$%&'*+/=?^_\\u0060{|}~\\u002d${NON_ASCII}`;
/** Inside a quoted local part: printable ASCII except "\<>()[],;:@. */
const QTEXT =
  '\\u0020\\u0021\\u0023-\\u0027\\u002a\\u002b\\u002d-\\u0039\\u003d\\u003f\\u0041-\\u005a\\u005e-\\u007e';
const LABEL_CHAR = `A-Za-z0-9${NON_ASCII}`;
const LABEL = `[${LABEL_CHAR}](?:[${LABEL_CHAR}\\u002d]{0,61}[${LABEL_CHAR}])?`;

/**
 * The whole rule as one anchored regular expression (at most 254 characters, a local part of at
 * most 64, labels of at most 63). PostgreSQL's `~` and JavaScript's RegExp with the u flag read it
 * the same way.
 */
/** Local part @ domain, without the lengths. */
const MAILBOX = `(?:[${ATEXT}]+(?:\\.[${ATEXT}]+)*|"[${QTEXT}]{1,62}")@${LABEL}(?:\\.${LABEL})*$`;

export const EMAIL_ADDRESS_PATTERN = `^(?=[^@]{1,64}@)(?=.{3,254}$)${MAILBOX}`;

/**
 * The same rule without its two look-aheads, which a CHECK states as length tests instead
 * (migration 0007): `char_length(email) BETWEEN 3 AND 254 AND strpos(email, '@') BETWEEN 2 AND 65`.
 * PostgreSQL's regular-expression engine spent about 1 ms per row on the look-ahead `(?=.{3,254}$)`
 * (a bounded repeat it expands into a large automaton); without them a row takes tens of µs.
 */
export const EMAIL_ADDRESS_BODY_PATTERN = `^${MAILBOX}`;

const PATTERN = new RegExp(EMAIL_ADDRESS_PATTERN, 'u');

export interface EmailAddress {
  /** The address as given (valid: safe in a header and an SMTP envelope). */
  address: string;
  local: string;
  domain: string;
}

export type ParsedEmailAddress = ({ ok: true } & EmailAddress) | { ok: false; reason: string };

/**
 * Checks one stored address against the rule above. The reason says what is wrong without
 * repeating the address (it may be personal data or an attack string).
 */
export function parseEmailAddress(raw: string): ParsedEmailAddress {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'the address is empty' };
  if (PATTERN.test(raw)) {
    const at = raw.lastIndexOf('@');
    return { ok: true, address: raw, local: raw.slice(0, at), domain: raw.slice(at + 1) };
  }
  return { ok: false, reason: whyInvalid(raw) };
}

/** True when parseEmailAddress accepts the address. */
export function isValidEmailAddress(raw: string): boolean {
  return typeof raw === 'string' && PATTERN.test(raw);
}

function whyInvalid(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(raw)) {
    return 'the address contains a line break or control character (header injection?)';
  }
  if (/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/u.test(raw)) {
    return 'the address contains an invisible or bidi control character';
  }
  if (raw.length > 254) return 'the address is longer than 254 characters';
  const at = raw.lastIndexOf('@');
  if (at < 0) return 'the address has no @';
  if (!raw.startsWith('"') && raw.indexOf('@') !== at) return 'the address has more than one @';
  if (/[<>,;\s]/u.test(raw.startsWith('"') ? raw.slice(raw.lastIndexOf('"')) : raw)) {
    return 'the address is not a single plain mailbox (angle brackets, a comma, a semicolon or white space)';
  }
  if (at > 64) return 'the part before @ is longer than 64 characters';
  return 'the address is not of the form local@domain';
}
