// The API-token principal cache: reuse within the TTL, one read for concurrent misses, revocation
// through forgetStaff at once (also for a lookup in flight), no negative entries, a bounded size.
import { describe, expect, it } from 'vitest';
import { createPrincipalCache } from '../../src/auth/principal-cache.ts';
import type { PrincipalRecord } from '../../src/db/auth-store.ts';

const principal = (staffId: string): PrincipalRecord => ({
  staffId,
  role: 'employee',
  email: `${staffId}@example.jp`,
  fullName: staffId,
  officeIds: [],
});

function setup(ttlMs = 1000, maxEntries?: number) {
  const clock = { t: 0 };
  const cache = createPrincipalCache({ ttlMs, now: () => clock.t, ...(maxEntries ? { maxEntries } : {}) });
  let reads = 0;
  const lookup = (p: PrincipalRecord | null) => async () => {
    reads += 1;
    return p;
  };
  return { clock, cache, lookup, reads: () => reads };
}

describe('principal cache', () => {
  it('reuses a principal within the TTL and reads it again after', async () => {
    const { clock, cache, lookup, reads } = setup();
    expect(await cache.get('h1', lookup(principal('a')))).toEqual(principal('a'));
    clock.t = 999;
    expect(await cache.get('h1', lookup(principal('a')))).toEqual(principal('a'));
    expect(reads()).toBe(1);
    clock.t = 1001;
    expect(await cache.get('h1', lookup(null))).toBeNull();
    expect(reads()).toBe(2);
  });

  it('shares one read among concurrent misses', async () => {
    const { cache, lookup, reads } = setup();
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('h1', lookup(principal('a')))));
    expect(all.every((p) => p?.staffId === 'a')).toBe(true);
    expect(reads()).toBe(1);
  });

  it('keeps no entry for a token that matched nobody', async () => {
    const { cache, lookup, reads } = setup();
    await cache.get('bad', lookup(null));
    await cache.get('bad', lookup(null));
    expect(reads()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("forgets a staff member's entries at once, and does not keep a lookup that was in flight", async () => {
    const { cache, lookup, reads } = setup();
    await cache.get('a1', lookup(principal('a')));
    await cache.get('b1', lookup(principal('b')));
    cache.forgetStaff('a');
    expect(await cache.get('a1', lookup(null))).toBeNull();
    expect(await cache.get('b1', lookup(null))).toEqual(principal('b'));
    expect(reads()).toBe(3);
    // A read that started before a revocation may have seen the revoked row: it is not kept.
    let release: (p: PrincipalRecord) => void = () => {};
    const slow = cache.get('c1', () => new Promise<PrincipalRecord>((r) => (release = r)));
    cache.forgetStaff('c');
    release(principal('c'));
    await slow;
    expect(await cache.get('c1', lookup(null))).toBeNull();
  });

  it('holds at most maxEntries tokens, and with a TTL of 0 reads every time', async () => {
    const bounded = setup(1000, 3);
    for (const h of ['h1', 'h2', 'h3', 'h4', 'h5']) await bounded.cache.get(h, bounded.lookup(principal(h)));
    expect(bounded.cache.size).toBe(3);
    const off = setup(0);
    await off.cache.get('h1', off.lookup(principal('a')));
    await off.cache.get('h1', off.lookup(principal('a')));
    expect(off.reads()).toBe(2);
  });
});
