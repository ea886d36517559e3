import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffPolicy,
  backoffCeilingMs,
  backoffDelayMs,
  JITTER_MODES,
} from '../../src/domain/backoff.ts';
import { DomainError } from '../../src/domain/domain-error.ts';

const POLICY: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 30_000 };
const fixed = (r: number) => () => r;
const never = () => {
  throw new Error('random() must not be called');
};

describe('backoffCeilingMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
    [6, 30_000], // 32 000 capped
    [7, 30_000],
    [2000, 30_000], // 2^1999 overflows to Infinity: still capped
  ])('attempt %i → %i ms', (attempt, expected) => {
    expect(backoffCeilingMs(attempt, POLICY)).toBe(expected);
  });

  it('stays 0 with a zero base, even when factor^n overflows', () => {
    expect(backoffCeilingMs(5000, { baseMs: 0, factor: 2, maxMs: 1000 })).toBe(0);
  });

  it('is constant with factor 1', () => {
    expect(backoffCeilingMs(50, { baseMs: 700, factor: 1, maxMs: 5000 })).toBe(700);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    ['none', 3, 0.5, 4000],
    ['full', 3, 0, 0],
    ['full', 3, 0.5, 2000],
    ['full', 3, 0.999_999, 3999],
    ['full', 9, 0.5, 15_000], // half of the 30 s cap
    ['equal', 3, 0, 2000],
    ['equal', 3, 0.5, 3000],
    ['equal', 9, 0.999_999, 29_999],
  ] as const)('%s jitter, attempt %i, random %d → %i ms', (jitter, attempt, r, expected) => {
    expect(backoffDelayMs(attempt, { ...POLICY, jitter }, fixed(r))).toBe(expected);
  });

  it('uses full jitter by default', () => {
    expect(backoffDelayMs(3, POLICY, fixed(0.25))).toBe(1000);
  });

  it('returns whole milliseconds for a fractional factor', () => {
    expect(backoffDelayMs(3, { baseMs: 100, factor: 1.5, maxMs: 10_000, jitter: 'none' }, never)).toBe(225);
    expect(backoffDelayMs(2, { baseMs: 100, factor: 1.5, maxMs: 10_000, jitter: 'equal' }, fixed(0.3))).toBe(
      97,
    );
  });

  it("does not draw a random number with jitter 'none'", () => {
    expect(backoffDelayMs(1, { ...POLICY, jitter: 'none' }, never)).toBe(1000);
  });

  it.each([
    ['attempt 0', () => backoffDelayMs(0, POLICY, fixed(0)), /attempt must be an integer ≥ 1/],
    ['attempt 1.5', () => backoffDelayMs(1.5, POLICY, fixed(0)), /attempt must be an integer ≥ 1/],
    ['negative base', () => backoffDelayMs(1, { ...POLICY, baseMs: -1 }, fixed(0)), /baseMs/],
    ['factor < 1', () => backoffDelayMs(1, { ...POLICY, factor: 0.5 }, fixed(0)), /factor/],
    ['max < base', () => backoffDelayMs(1, { ...POLICY, maxMs: 999 }, fixed(0)), /maxMs/],
    ['infinite max', () => backoffDelayMs(1, { ...POLICY, maxMs: Infinity }, fixed(0)), /maxMs/],
    ['random NaN', () => backoffDelayMs(1, POLICY, fixed(Number.NaN)), /random\(\)/],
    ['random 2', () => backoffDelayMs(1, POLICY, fixed(2)), /random\(\)/],
    ['random −0.1', () => backoffDelayMs(1, POLICY, fixed(-0.1)), /random\(\)/],
  ])('rejects %s with a typed error', (_label, run, message) => {
    expect(run).toThrow(DomainError);
    expect(run).toThrow(message);
    expect(run).toThrow(expect.objectContaining({ code: 'INVALID_BACKOFF' }));
  });
});

describe('backoffDelayMs properties', () => {
  const policy = fc
    .record({
      baseMs: fc.integer({ min: 0, max: 10_000 }),
      factor: fc.double({ min: 1, max: 4, noNaN: true }),
      extra: fc.integer({ min: 0, max: 1_000_000 }),
      jitter: fc.constantFrom(...JITTER_MODES),
    })
    .map(
      ({ baseMs, factor, extra, jitter }): BackoffPolicy => ({
        baseMs,
        factor,
        maxMs: baseMs + extra,
        jitter,
      }),
    );
  const attempt = fc.integer({ min: 1, max: 200 });
  const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it('is a whole number of ms within [0, maxMs] and within its jitter band', () => {
    fc.assert(
      fc.property(policy, attempt, random, (p, a, r) => {
        const delay = backoffDelayMs(a, p, fixed(r));
        const ceiling = backoffCeilingMs(a, p);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(p.maxMs);
        expect(delay).toBeLessThanOrEqual(ceiling);
        if (p.jitter === 'equal') expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        if (p.jitter === 'none') expect(delay).toBe(Math.floor(ceiling));
      }),
      { numRuns: 500 },
    );
  });

  it('never shrinks as the attempt grows (ceiling, and the delay for the same random value)', () => {
    fc.assert(
      fc.property(policy, attempt, random, (p, a, r) => {
        expect(backoffCeilingMs(a + 1, p)).toBeGreaterThanOrEqual(backoffCeilingMs(a, p));
        expect(backoffDelayMs(a + 1, p, fixed(r))).toBeGreaterThanOrEqual(backoffDelayMs(a, p, fixed(r)));
      }),
      { numRuns: 500 },
    );
  });

  it('reaches the cap once the exponential passes it', () => {
    fc.assert(
      fc.property(policy, (p) => {
        fc.pre(p.baseMs > 0);
        expect(backoffCeilingMs(200, { ...p, factor: Math.max(p.factor, 1.5) })).toBe(p.maxMs);
      }),
    );
  });
});
