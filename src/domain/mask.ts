// Masking for logs: an address is shown as its first character and its domain, never whole.

/**
 * 'taro.yamada@example.jp' → 't***@example.jp'. The local part is replaced by its first character
 * (a whole code point) and a fixed '***', so its length is not revealed; a one-character local
 * part is hidden entirely ('***@example.jp'). Text that is not an address becomes '***'.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return '***';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const chars = Array.from(local);
  const shown = chars.length > 1 ? (chars[0] ?? '') : '';
  return `${shown}***@${domain}`;
}

/**
 * An address inside free text (an SMTP reply, an error message): a quoted local part or one
 * without white space and mailbox punctuation, `@`, then a domain, which may be an IDN
 * (`山田@例え.jp`) or an address literal (`[192.0.2.1]`).
 */
const ADDRESS_IN_TEXT = /("[^"\r\n]{0,64}"|[^\s<>()[\]",;:@]+)@(\[[^\]\s]{1,64}\]|[^\s<>()[\]",;:@]+)/gu;

/** Masks every e-mail address in free text with maskEmail: `…<taro@例え.jp>…` → `…<t***@例え.jp>…`. */
export function maskAddressesIn(text: string): string {
  return text.replace(ADDRESS_IN_TEXT, (_m, local: string, domain: string) =>
    maskEmail(`${local}@${domain}`),
  );
}

/** Query and keyword parameters that carry a secret, in URLs and libpq connection strings. */
const SECRET_PARAMETER =
  /(^|[\s?&;])((?:ssl)?password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|api_?key|sslkey)(\s*=\s*)('[^']*'|[^&\s#;]*)/giu;

/** `scheme://user:password@host` */
const URL_USER_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/giu;

/**
 * Hides secrets that connection URLs carry in free text: the password of `user:pass@` and the
 * value of password-like parameters (`?password=…`, `&sslpassword=…`, libpq's `password=…`).
 * Everything else (host, port, database, user) stays, so a message still says where it failed.
 */
export function maskSecretsIn(text: string): string {
  return text
    .replace(URL_USER_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:***@`)
    .replace(SECRET_PARAMETER, (_m, lead: string, key: string, eq: string) => `${lead}${key}${eq}***`);
}

/** Both of the above: what may go into a log line, an error message or a stored reason. */
export function maskPersonalData(text: string): string {
  return maskAddressesIn(maskSecretsIn(text));
}
