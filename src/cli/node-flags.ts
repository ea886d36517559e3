// The V8 flags kigen starts with (bin/kigen.js's shebang and its launcher for old Nodes, and the
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
// - --liftoff-only: the embedded engine (PGlite) is a 9 MB WebAssembly module. By default V8 recompiles
//   its hot functions with TurboFan on a background thread; one of them (~105 KB) took ~8 s of CPU and
//   ~600 MB of compiler memory on every open, and Node waits for that compile before a process can end.
//   With Liftoff's code only, `kigen alerts` on the demo data peaked at 197-223 MB instead of 678-684 MB
//   and ended in ~3 s instead of ~6 s; a 500-office dry run on PGlite planned faster (0.52-0.65 s
//   against 0.82-1.24 s) because no compile competes for the cores (docs/embedded-start-up.md).
//   kigen has no other WebAssembly: on PostgreSQL the flag changes nothing.
export const KIGEN_NODE_FLAGS = [
  '--max-semi-space-size=4',
  '--max-old-space-size=256',
  '--liftoff-only',
] as const;
