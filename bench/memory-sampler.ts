// Loaded into the kigen child to see where its memory goes during a long run:
//   npm run bench -- --goal P5 --offices 50000 --runs 1 --no-record \
//     --kigen-node-options="--import ./bench/memory-sampler.ts"
// Every 200 ms it samples process.memoryUsage(); per 30-second window it keeps the highest RSS, heap
// total, external and ArrayBuffer memory and the lowest heap used (≈ the live heap after a
// collection). At exit it writes the windows, in MiB, to $TMPDIR/kigen-memory-<pid>.json. It holds a
// few numbers per window, so it does not add to the growth it measures.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Window {
  rss: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  heapUsedMin: number;
}

const WINDOW_MS = 30_000;
const windows: Window[] = [];
const started = performance.now();

function sample(): void {
  const m = process.memoryUsage();
  const i = Math.floor((performance.now() - started) / WINDOW_MS);
  const w = windows[i] ?? { rss: 0, heapTotal: 0, external: 0, arrayBuffers: 0, heapUsedMin: Infinity };
  windows[i] = w;
  w.rss = Math.max(w.rss, m.rss);
  w.heapTotal = Math.max(w.heapTotal, m.heapTotal);
  w.external = Math.max(w.external, m.external);
  w.arrayBuffers = Math.max(w.arrayBuffers, m.arrayBuffers);
  w.heapUsedMin = Math.min(w.heapUsedMin, m.heapUsed);
}

setInterval(sample, 200).unref();
process.on('exit', () => {
  sample();
  const mib = (n: number) => Math.round(n / 2 ** 20);
  const rows = windows.map((w, i) => ({
    fromSecond: (i * WINDOW_MS) / 1000,
    rss: mib(w.rss),
    heapTotal: mib(w.heapTotal),
    external: mib(w.external),
    arrayBuffers: mib(w.arrayBuffers),
    heapUsedMin: mib(w.heapUsedMin),
  }));
  writeFileSync(join(tmpdir(), `kigen-memory-${process.pid}.json`), `${JSON.stringify(rows, null, 1)}\n`);
});
