// A short-lived in-process cache of the principals behind API tokens, so a script that calls the API
// many times a second costs one principal read per token per `ttlMs`, not one per request.
//
// Revocation semantics: a revocation made through this process (revoke a token, sign out everywhere)
// forgets the staff member's entries at once, and a lookup that was in flight while it happened is not
// cached (nor shared with requests that arrive after it). A change made elsewhere (another server, a CLI command changing a role or an office
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
  // A lookup in flight is shared: when an entry expires under load, the requests that arrive meanwhile
  // wait for one read instead of each making its own.
  const entries = new Map<string, { principal: Promise<PrincipalRecord | null>; until: number }>();
  // Bumped by every forgetStaff: a lookup that started before it may have read the old rows.
  let generation = 0;
  const staffOf = new Map<string, string>();
  return {
    get(hash, lookup) {
      if (opts.ttlMs <= 0) return lookup();
      const hit = entries.get(hash);
      if (hit && hit.until > opts.now()) return hit.principal;
      if (hit) {
        entries.delete(hash);
        staffOf.delete(hash);
      }
      if (entries.size >= maxEntries) {
        // The oldest insertion goes first (a Map iterates in insertion order).
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) {
          entries.delete(oldest);
          staffOf.delete(oldest);
        }
      }
      const started = generation;
      const entry = { principal: lookup(), until: Number.POSITIVE_INFINITY };
      entries.set(hash, entry);
      const drop = () => {
        if (entries.get(hash) !== entry) return;
        entries.delete(hash);
        staffOf.delete(hash);
      };
      entry.principal.then((principal) => {
        if (principal && started === generation && entries.get(hash) === entry) {
          entry.until = opts.now() + opts.ttlMs;
          staffOf.set(hash, principal.staffId);
        } else drop();
      }, drop);
      return entry.principal;
    },
    forgetStaff(staffId) {
      generation += 1;
      // Lookups in flight are dropped too: they may have read the rows before the change.
      for (const hash of [...entries.keys()]) {
        const owner = staffOf.get(hash);
        if (owner === undefined || owner === staffId) {
          entries.delete(hash);
          staffOf.delete(hash);
        }
      }
    },
    get size() {
      return entries.size;
    },
  };
}
