// The V8 heap settings kigen runs with (bin/kigen.js's shebang and the npm scripts carry the same).
// A run allocates a lot of short-lived text (rendered emails, MIME); with V8's defaults the heap
// grows by 200 MB+ during a 5,000-message run although the live data stay under 50 MB. A small
// young generation and a capped old generation keep the growth near 50 MB for about 10% more CPU.
// The live set is bounded by KIGEN_CHUNK_SIZE and the send concurrency, not by the data set; for a
// chunk size far above the default, raise the cap: node --max-old-space-size=1024 src/cli/main.ts …
export const KIGEN_NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=256'] as const;
