#!/usr/bin/env -S node --max-semi-space-size=4 --max-old-space-size=256 --liftoff-only
// Launcher for `npx kigen …` and for a production install (`npm ci --omit=dev`). The CLI is
// TypeScript run by Node's type stripping (Node 22.18 and later; kigen is tested on 24). kigen
// ships Node 24 as its dependency `node`: when the Node reading this file cannot strip types (a
// system Node 20, say), the CLI runs as a child of that Node 24 instead. Keep this file plain
// JavaScript that old Nodes can parse: it is the only file they read. The shebang's flags
// (src/cli/node-flags.ts says why) are passed to that Node 24 as well.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shebang's flags: heap limits and --liftoff-only (test/cli/node-flags.test.ts keeps them equal to src/cli/node-flags.ts). */
const HEAP_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256', '--liftoff-only'];

if (process.features.typescript) {
  await import('../src/cli/main.ts');
} else {
  runWithPinnedNode();
}

/** The project's Node 24 (the `node` dependency), or null when it is not installed. */
function pinnedNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve('node/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    return path.join(path.dirname(manifest), typeof bin === 'string' ? bin : bin.node);
  } catch {
    return null;
  }
}

function unsupported(detail) {
  process.stderr.write(
    `kigen: needs Node.js 24 (or 22.18 and later); this is Node.js ${process.version}${detail}\n`,
  );
  process.exit(2);
}

function runWithPinnedNode() {
  const node = pinnedNode();
  if (!node) unsupported(' and the Node.js 24 kigen installs (npm package "node") is missing: run npm ci');
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const child = spawn(node, [...HEAP_FLAGS, ...process.execArgv, main, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.once('error', (error) => unsupported(` and ${node} did not start (${error.code ?? error.message})`));
  // SIGTERM and SIGHUP go to this process only: pass them on. A terminal's Ctrl-C (SIGINT) reaches
  // the child as well, since it is in the same process group; passing it on would count twice.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {});
  child.once('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}
