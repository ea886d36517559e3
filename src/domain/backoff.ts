// Retry delays: exponential backoff with jitter, capped. Pure: the randomness is passed in.

import { DomainError } from './domain-error.ts';

/**
 * full: uniform in [0, ceiling) — spreads retries best (AWS "full jitter").
 * equal: ceiling/2 + uniform in [0, ceiling/2) — never retries immediately.
 * none: exactly the ceiling (for tests and tools that want determinism).
 */
export const JITTER_MODES = ['full', 'equal', 'none'] as const;
export type JitterMode = (typeof JITTER_MODES)[number];

export interface BackoffPolicy {
  /** Ceiling of the first retry, in ms (attempt 1). */
  baseMs: number;
  /** Growth per attempt, ≥ 1 (2 doubles the ceiling each time). */
  factor: number;
  /** Cap of every delay, in ms, ≥ baseMs. */
  maxMs: number;
  /** Default 'full'. */
  jitter?: JitterMode;
}

function invalid(message: string): DomainError {
  return new DomainError('INVALID_BACKOFF', `backoff: ${message}`);
}

function checkPolicy({ baseMs, factor, maxMs }: BackoffPolicy): void {
  if (!Number.isFinite(baseMs) || baseMs < 0)
    throw invalid(`baseMs must be a finite number ≥ 0, got ${baseMs}`);
  if (!Number.isFinite(factor) || factor < 1)
    throw invalid(`factor must be a finite number ≥ 1, got ${factor}`);
  if (!Number.isFinite(maxMs) || maxMs < baseMs)
    throw invalid(`maxMs must be finite and ≥ baseMs, got ${maxMs}`);
}

/** The un-jittered delay of retry `attempt` (1, 2, …): min(maxMs, baseMs × factor^(attempt−1)). */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  checkPolicy(policy);
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw invalid(`attempt must be an integer ≥ 1, got ${attempt}`);
  if (policy.baseMs === 0) return 0; // 0 × Infinity would be NaN for huge attempts
  // factor ** n overflows to Infinity for large n; min() then caps it.
  return Math.min(policy.maxMs, policy.baseMs * policy.factor ** (attempt - 1));
}

/**
 * The delay in whole ms before retry `attempt` (1 = the first retry). `random` returns a number in
 * [0, 1) like Math.random; the result lies in [0, ceiling] ('full'), [ceiling/2, ceiling] ('equal')
 * or is the ceiling ('none'), never above maxMs, and for the same random value it never shrinks as
 * the attempt grows.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  const jitter = policy.jitter ?? 'full';
  if (jitter === 'none') return Math.floor(ceiling);
  const r = random();
  if (!Number.isFinite(r) || r < 0 || r > 1)
    throw invalid(`random() must return a number in [0, 1), got ${r}`);
  if (jitter === 'equal') return Math.floor(ceiling / 2 + (r * ceiling) / 2);
  return Math.floor(r * ceiling);
}
