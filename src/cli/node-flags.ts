import { setFlagsFromString } from 'node:v8';

// The V8 heap settings kigen runs with (bin/kigen.js's shebang and the npm scripts carry the same;
// test/cli/node-flags.test.ts keeps them in step). A run allocates a lot of short-lived text
// (rendered emails, MIME); with V8's defaults the heap grows by 200 MB+ during a 5,000-message run
// although the live data stay under 50 MB. Measured on the benchmark (P5, 500 offices, 50
// connections; BENCHMARKS.md): a small young generation alone still grew ~42 MB at 1,540 emails/s;
// --optimize-for-size (smaller old-generation growth steps) with 4 MB semi-spaces grows ~30 MB at
// ~1,200-1,300 emails/s. The live set is bounded by KIGEN_CHUNK_SIZE and the send concurrency, not
// by the data set; for a chunk size far above the default, raise the cap:
// node --max-old-space-size=1024 src/cli/main.ts …
export const KIGEN_NODE_FLAGS = [
  '--optimize-for-size',
  '--max-semi-space-size=4',
  '--max-old-space-size=256',
] as const;

/**
 * For a dry run: it sends nothing and ends when its plan is done, so its speed matters and its
 * memory does not stay up for long. --optimize-for-size made a 50,000-office dry run spend ~40 s of
 * CPU instead of ~26 s (64 → 50 s wall; BENCHMARKS.md, P7). V8 reads this flag when it decides
 * (heap growth, compilation), so turning it off at the start of the command takes effect; the other
 * heap limits stay as they were set at start.
 */
export function favourSpeedOverMemory(): void {
  setFlagsFromString('--no-optimize-for-size');
}
