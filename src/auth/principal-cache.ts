// A short-lived in-process cache of the principals behind API tokens, so a script that calls the API
// many times a second costs one principal read per token per `ttlMs`, not one per request.
//
// Revocation semantics: a revocation made through this process (revoke a token, sign out everywhere)
// forgets the staff member's entries at once, and a lookup that was in flight while it happened is not
// cached. A change made elsewhere (another server, a CLI command changing a role or an office
// membership, a token deleted in SQL) is seen within `ttlMs`. Only hits are kept: a wrong token is
// looked up every time (and cannot fill the cache), and the cache holds at most `maxEntries` tokens.
import type { PrincipalRecord } from '../db/auth-store.ts';

/** How long a token's principal is reused, milliseconds. */
export const API_TOKEN_CACHE_MS = 1000;

export interface PrincipalCache {
  /** The cached principal of a token hash, or the lookup's result (cached when it is a principal). */
  get(hash: string, lookup: () => Promise<PrincipalRecord | null>): Promise<PrincipalRecord | null>;
  /** Forgets every entry of a staff member (their token was revoked, their sessions ended). */
  forgetStaff(staffId: string): void;
  readonly size: number;
}

export function createPrincipalCache(opts: {
  ttlMs: number;
  now: () => number;
  maxEntries?: number;
}): PrincipalCache {
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, { principal: PrincipalRecord; until: number }>();
  // Bumped by every forgetStaff: a lookup that started before it may have read the old rows.
  let generation = 0;
  return {
    async get(hash, lookup) {
      if (opts.ttlMs <= 0) return lookup();
      const hit = entries.get(hash);
      if (hit && hit.until > opts.now()) return hit.principal;
      if (hit) entries.delete(hash);
      const started = generation;
      const principal = await lookup();
      if (principal && started === generation) {
        if (entries.size >= maxEntries) {
          // The oldest insertion goes first (a Map iterates in insertion order).
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entries.set(hash, { principal, until: opts.now() + opts.ttlMs });
      }
      return principal;
    },
    forgetStaff(staffId) {
      generation += 1;
      for (const [hash, entry] of entries) if (entry.principal.staffId === staffId) entries.delete(hash);
    },
    get size() {
      return entries.size;
    },
  };
}
