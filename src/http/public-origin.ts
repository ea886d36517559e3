// The server's public address (DASHBOARD_URL) and where it listens must agree: the pages' form posts
// carry an Origin header that the CSRF origin check compares with DASHBOARD_URL's origin, and sign-in
// links point at DASHBOARD_URL. When they disagree every form post is a 403 CROSS_ORIGIN, with no
// other hint; `kigen serve` prints this problem at start instead.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const isLoopback = (host: string) => LOOPBACK.test(host);
const portOf = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');

/**
 * Why DASHBOARD_URL cannot be the origin of the server listening at `listening` (its URL as bound,
 * e.g. http://127.0.0.1:3000), or null when it can. A DASHBOARD_URL on another host than the one the
 * server listens on is taken to be a reverse proxy in front of it and is not judged.
 */
export function publicOriginProblem(dashboardUrl: string, listening: string): string | null {
  const d = new URL(dashboardUrl);
  const l = new URL(listening);
  if (d.origin === l.origin) return null;
  const sameHost = d.hostname === l.hostname || (isLoopback(d.hostname) && isLoopback(l.hostname));
  if (!sameHost) return null;
  if (d.protocol === l.protocol && portOf(d) === portOf(l)) return null;
  return (
    `DASHBOARD_URL is ${d.origin}/ but this server listens on ${l.origin}: sign-in links point at ${d.origin}, ` +
    `and a browser on ${l.origin} gets 403 CROSS_ORIGIN on every form. ` +
    `Set DASHBOARD_URL to the address people open (e.g. DASHBOARD_URL=${l.origin}/)` +
    (d.protocol === l.protocol ? `, or start the server on port ${portOf(d)} (--port ${portOf(d)})` : '') +
    '.'
  );
}
