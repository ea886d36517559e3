// The V8 heap limits kigen starts with (bin/kigen.js's shebang and its launcher for old Nodes, and the
// npm scripts carry the same; test/cli/node-flags.test.ts keeps them in step). A run allocates a lot
// of short-lived text (rendered emails, MIME: ~130 KB per email); with V8's defaults the young
// generation alone grows to 128 MB, and a 500-office run grew RSS by 157.6 MB (P5's limit: 35 MB).
// These only size the heap: V8 reads them when the process starts (v8.setFlagsFromString later has
// no effect on them), so they are command-line flags.
// - --max-semi-space-size=4: a small young generation (P5 at 500 offices: 32.0 MB growth, BENCHMARKS.md).
// - --max-old-space-size=256: a cap well above the live set, which KIGEN_CHUNK_SIZE and the send
//   concurrency bound; for a chunk size far above the default, raise it:
//   node --max-old-space-size=1024 src/cli/main.ts …
// Not --v8-pool-size=1 or --optimize-for-size any more: with them a command sometimes did its work
// and then never exited (V8's shutdown deadlocked with its single helper thread, nodejs/node#54918;
// test/cli/exits.test.ts).
export const KIGEN_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256'] as const;
