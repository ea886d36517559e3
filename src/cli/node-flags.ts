import { setFlagsFromString } from 'node:v8';

// The V8 heap settings kigen runs with (bin/kigen.js's shebang and the npm scripts carry the same;
// test/cli/node-flags.test.ts keeps them in step). A run allocates a lot of short-lived text
// (rendered emails, MIME: ~130 KB per email); with V8's defaults the heap grows by 200 MB+ during a
// 5,000-message run although the live data stay under 50 MB. Measured on the benchmark
// (BENCHMARKS.md, fourth round):
// - --optimize-for-size with 4 MB semi-spaces: smaller heap growth steps. Without it (and with
//   --single-threaded-gc), RSS grew 92.2 MB at 50,000 offices (limit 60 MB); with it, 50.9 MB.
// - --v8-pool-size=1: one V8 helper thread instead of four. The helpers (parallel scavenges,
//   concurrent marking) competed with the SMTP peer and PostgreSQL for the cores of a small machine,
//   and each delay holds up every connection's next command: P2 (500 offices, 50 connections,
//   100 ms latency) went from 112 to 109-110 % of the transport bound.
// The live set is bounded by KIGEN_CHUNK_SIZE and the send concurrency, not by the data set; for a
// chunk size far above the default, raise the cap: node --max-old-space-size=1024 src/cli/main.ts …
export const KIGEN_NODE_FLAGS = [
  '--v8-pool-size=1',
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
