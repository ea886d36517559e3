// The V8 heap settings kigen runs with (bin/kigen.js's shebang and the npm scripts carry the same;
// test/cli/node-flags.test.ts keeps them in step). A run allocates a lot of short-lived text
// (rendered emails, MIME: ~130 KB per email); with V8's defaults the heap grows by 200 MB+ during a
// 5,000-message run although the live data stay under 50 MB. Measured on the benchmark
// (BENCHMARKS.md, fourth round; 500 offices, 50 connections, 100 ms SMTP latency):
// - --max-semi-space-size=4: a small young generation, collected often and cheaply.
// - --single-threaded-gc: V8's helper threads for parallel scavenges and concurrent marking compete
//   with the SMTP peer and PostgreSQL for the cores of a small machine, and each of their delays
//   holds up every connection's next command. Without them: P2 112 → 108 % of the transport
//   bound, P5 25.5 → 24.3 MB, zero-latency throughput 1,760 → 2,450 emails/s.
// - no --optimize-for-size (used until the third round): it caps the young generation at ~1 MB,
//   which made ~800 collections in a 4,621-email run instead of ~200 and cost P7 ~40 % more CPU.
// The live set is bounded by KIGEN_CHUNK_SIZE and the send concurrency, not by the data set; for a
// chunk size far above the default, raise the cap: node --max-old-space-size=1024 src/cli/main.ts …
export const KIGEN_NODE_FLAGS = [
  '--single-threaded-gc',
  '--max-semi-space-size=4',
  '--max-old-space-size=256',
] as const;
