// Once the run is done with a planned chunk, nothing may keep it reachable while further chunks are
// read. (A for-await loop's binding and the plan generator's named promise did: ~12 MB more live heap
// per 1,000-office chunk on the benchmark.)
// A fake reader is enough: what is under test is what the run loop keeps, not the SQL.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Office } from '../../src/domain/types.ts';
import { createLogger } from '../../src/logger.ts';
import { runDaily } from '../../src/run/daily-run.ts';
import type { RunStore } from '../../src/run/ports.ts';
import { officesOnlyReader } from '../helpers/fake-plan-reader.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** At each office read after the first two: are the first chunk's offices still reachable? */
function watchingReader(firstChunkAlive: boolean[]) {
  let first: WeakRef<Office[]> | null = null;
  return officesOnlyReader(['a', 'b', 'c', 'd'], async (start, offices) => {
    if (first && start >= 2) {
      // A WeakRef's target stays alive until the microtask queue drains once: let it drain.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      firstChunkAlive.push(first.deref() !== undefined);
    }
    first ??= new WeakRef(offices);
  });
}

const unusedStore = new Proxy({} as RunStore, {
  // Reading whether the date ran already is all a dry run may ask.
  get: (_, name) =>
    name === 'findRun'
      ? async () => null
      : () => {
          throw new Error(`a dry run does not use the store (called ${String(name)})`);
        },
});

describe('the run loop', () => {
  it('lets go of a chunk once it is done with it, before the next chunks are read', async () => {
    const firstChunkAlive: boolean[] = [];
    const summary = await runDaily(
      {
        runDate: '2026-12-01',
        scope: 'production',
        dryRun: true,
        force: true,
        chunkSize: 1,
        grouping: 'digest',
        closures: [],
        timeZone: 'Asia/Tokyo',
        concurrency: 1,
        ratePerSecond: 0,
        dailyQuota: 0,
        maxAttempts: 1,
        backoff: { baseMs: 1, factor: 2, maxMs: 1 },
      },
      {
        reader: watchingReader(firstChunkAlive),
        store: unusedStore,
        channels: null,
        logger: createLogger('silent'),
        statements: () => ({ read: 0, write: 0, ddl: 0, other: 0 }),
      },
    );
    expect(summary.offices).toBe(4);
    // Office c is read when the run asks for the chunk after a (b was read ahead), so a is done with.
    expect(firstChunkAlive).toEqual([false, false, false]);
  });
});
