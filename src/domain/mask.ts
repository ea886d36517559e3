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
