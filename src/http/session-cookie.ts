// The session cookie: `__Host-kigen_session` (Secure, HttpOnly, SameSite=Lax, Path=/) when the server
// is reached over https; `kigen_session` without Secure only for plain http://localhost, where
// browsers would drop a Secure cookie.
export interface CookiePolicy {
  name: string;
  secure: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function cookiePolicyFor(publicUrl: string): CookiePolicy {
  const url = new URL(publicUrl);
  const plainLocal = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  return plainLocal
    ? { name: 'kigen_session', secure: false }
    : { name: '__Host-kigen_session', secure: true };
}

export function sessionCookieOptions(policy: CookiePolicy, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    secure: policy.secure,
    sameSite: 'lax' as const,
    ...(expires ? { expires } : {}),
  };
}
