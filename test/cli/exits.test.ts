// No kigen command may hang (issue 11, item 1). On the embedded database, the command after a SIGKILL and
// the commands around `snapshot restore --replace` used to do their work and then never exit: V8's
// shutdown deadlocked with the single helper thread that kigen's `--v8-pool-size=1 --optimize-for-size`
// left it (nodejs/node#54918). These start kigen as a user does (bin/kigen.js, its shebang included),
// many times over, and fail on any start that does not end within a generous deadline.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/kigen.js', import.meta.url));
/**
 * A start takes 3-5 s on an idle 2-core machine, and over a minute when the cores are shared with a
 * load average of 30 (a fresh `seed` there: 74 s, most of it V8 compiling PGlite's WASM in the
 * background). A hang lasts forever and uses no CPU (the process did its work and sits in V8's
 * shutdown). So a start still running at the deadline is watched: while its CPU time grows it is slow,
 * not hung, and gets more time, up to SLOW_START_CAP_MS; a start whose CPU time stays the same for
 * IDLE_WINDOW_MS fails the test at once. (Without /proc, the deadline alone decides.)
 */
const START_DEADLINE_MS = 90_000;
const IDLE_WINDOW_MS = 20_000;
const SLOW_START_CAP_MS = 600_000;
const STARTS_AFTER_KILL = 30;
const RESTORES = 10;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let root: string;
let env: Record<string, string>;

/** Starts `kigen …` the way a shell does: bin/kigen.js through its shebang, with this test's Node first on PATH. */
function start(args: string[]): { child: ChildProcess; ended: Promise<Ended> } {
  const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const ended = new Promise<Ended>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, ended };
}

/** CPU time (user + system, all threads) of a live process in clock ticks, or null without /proc. */
function cpuTicks(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), ms));

/**
 * Runs `kigen …` to its end. A start still alive at the deadline is watched (START_DEADLINE_MS says
 * how): one that stops using CPU, or outlives the cap, is killed and fails the test.
 */
async function kigen(args: string[], label: string): Promise<Ended> {
  const { child, ended } = start(args);
  const started = Date.now();
  let outcome = await Promise.race([ended, sleep(START_DEADLINE_MS)]);
  let why = `did not exit within ${START_DEADLINE_MS / 1000} s`;
  while (outcome === 'waited') {
    const before = cpuTicks(child.pid);
    outcome = await Promise.race([ended, sleep(IDLE_WINDOW_MS)]);
    if (outcome !== 'waited') break;
    const after = cpuTicks(child.pid);
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (before === null || after === null) break;
    if (after === before) {
      why = `hung: still running after ${elapsed} s and no CPU time used in the last ${IDLE_WINDOW_MS / 1000} s`;
      break;
    }
    if (Date.now() - started > SLOW_START_CAP_MS) {
      why = `did not exit within ${elapsed} s although it kept using CPU`;
      break;
    }
  }
  if (outcome === 'waited') {
    child.kill('SIGKILL');
    const { stdout, stderr } = await ended;
    throw new Error(
      `${label}: \`kigen ${args.join(' ')}\` ${why} (stdout ${stdout.length} chars, stderr: ${stderr.slice(-500)})`,
    );
  }
  return outcome;
}

function expectOk(result: Ended, label: string): void {
  expect(result.code, `${label}: ${result.stderr.slice(-1000)}`).toBe(0);
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'kigen-exits-'));
  env = {
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '',
    LOG_LEVEL: 'silent',
    KIGEN_RETRY_BASE_MS: '5',
    KIGEN_RETRY_MAX_MS: '20',
  };
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('every kigen start on the embedded database ends', () => {
  it(`${STARTS_AFTER_KILL} starts after a SIGKILL of a running kigen run or alerts`, async () => {
    const dataDir = ['--data-dir', path.join(root, 'killed')];
    expectOk(await kigen(['seed', '--offices', '3', ...dataDir], 'seed'), 'seed');
    for (let i = 0; i < STARTS_AFTER_KILL; i++) {
      // A run for a new date each time (so it writes), or alerts; killed at spread-out moments: while
      // PGlite opens, recovers or migrates, while the run plans, writes deliveries or sends.
      const date = `2026-12-${String((i % 28) + 1).padStart(2, '0')}`;
      const victim = start(
        i % 3 === 2 ? ['alerts', ...dataDir] : ['run', '--date', date, '--force', ...dataDir],
      );
      await new Promise((resolve) => setTimeout(resolve, 800 + ((i * 613) % 4_000)));
      victim.child.kill('SIGKILL');
      await victim.ended;
      const label = `start ${i + 1} after a SIGKILL`;
      const next = await kigen(['alerts', '--date', date, ...dataDir], label);
      expectOk(next, label);
      expect(next.stdout.length).toBeGreaterThan(0);
    }
  }, 3_600_000);

  it(`${RESTORES} restores with --replace, each followed by a command`, async () => {
    const dataDir = ['--data-dir', path.join(root, 'restored')];
    expectOk(await kigen(['seed', '--offices', '3', ...dataDir], 'seed'), 'seed');
    expectOk(await kigen(['alerts', ...dataDir], 'alerts'), 'alerts');
    expectOk(await kigen(['snapshot', 'save', 'base', ...dataDir], 'save'), 'save');
    for (let i = 0; i < RESTORES; i++) {
      const label = `restore ${i + 1}`;
      expectOk(await kigen(['snapshot', 'restore', 'base', '--replace', ...dataDir], label), label);
      const after = await kigen(['alerts', ...dataDir], `alerts after ${label}`);
      expectOk(after, `alerts after ${label}`);
      expect(after.stdout.length).toBeGreaterThan(0);
    }
  }, 3_600_000);
});
