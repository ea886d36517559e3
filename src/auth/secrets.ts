// Opaque secrets (session ids, sign-in and API tokens): 256 random bits, stored only as SHA-256.
// SHA-256 without salt is enough for secrets of this entropy (nothing to brute-force); passwords would need more.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random secret, base64url (43 characters), with an optional readable prefix (e.g. 'kgn_'). */
export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps of a secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The CSRF token of a session: an HMAC keyed by the session id, which only the browser holding the
 * HttpOnly cookie (and the server) know. It needs no storage and changes with every new session.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('kigen-csrf-v1').digest('base64url');
}

/** Constant-time comparison of two strings. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
