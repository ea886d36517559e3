// Child processes of the harness: kigen, the baseline and the sinks. Every child has a deadline and
// is killed (TERM, then KILL) when it passes it; the harness kills what is still running on exit.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type SinkReady, type SinkReply, STATS_PREFIX } from '../sinks/sink-process.ts';

const live = new Set<ChildProcess>();

/** Kills every child still running (harness exit, Ctrl-C). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
  timedOut: boolean;
  /** Highest VmRSS of the child seen by sampling /proc (Linux; 0 elsewhere), bytes. */
  sampledPeakRssBytes: number;
  /** What bench/exit-stats.ts wrote at the child's exit, when the child was started with it. */
  exitStats: ExitStats | undefined;
}

/** CPU time and peak RSS of a child, as its own getrusage saw them at exit (bench/exit-stats.ts). */
export interface ExitStats {
  userMs: number;
  systemMs: number;
  maxRssBytes: number;
}

/** Node arguments that make a child write its ExitStats (put them before the script). */
export const EXIT_STATS_ARGS = ['--import', './bench/exit-stats.ts'] as const;

function takeExitStats(pid: number | undefined): ExitStats | undefined {
  if (pid === undefined) return undefined;
  const file = path.join(os.tmpdir(), `kigen-exit-stats-${pid}.json`);
  try {
    const stats = JSON.parse(fs.readFileSync(file, 'utf8')) as ExitStats;
    fs.rmSync(file, { force: true });
    return stats;
  } catch {
    return undefined;
  }
}

export interface RunChildOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Echo the child's stderr lines to ours, prefixed (progress of long seeds). */
  echoStderr?: string;
  /** Transforms stdout as it arrives, before it is kept (e.g. drops a huge JSON list). */
  stdoutFilter?: (chunk: string) => string;
  /** Sees stderr as it arrives (e.g. to wait for a worker's "working" line). */
  onStderr?: (chunk: string) => void;
}

const MAX_CAPTURE = 8 * 1024 * 1024;

/** Runs `node <args>` with the harness's own Node (24), captures its output and waits for it. */
export function runNode(args: string[], opts: RunChildOptions): Promise<ChildResult> {
  return runCommand(process.execPath, args, opts);
}

export function runCommand(command: string, args: string[], opts: RunChildOptions): Promise<ChildResult> {
  return spawnCommand(command, args, opts).result;
}

/** Starts `node <args>` and returns at once: the child (to signal it) and its result when it exits. */
export function spawnNode(
  args: string[],
  opts: RunChildOptions,
): { child: ChildProcess; result: Promise<ChildResult> } {
  return spawnCommand(process.execPath, args, opts);
}

function spawnCommand(
  command: string,
  args: string[],
  opts: RunChildOptions,
): { child: ChildProcess; result: Promise<ChildResult> } {
  const started = performance.now();
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  const filter = opts.stdoutFilter ?? ((s: string) => s);
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    const kept = filter(s);
    if (stdout.length < MAX_CAPTURE) stdout += kept;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < MAX_CAPTURE) stderr += s;
    opts.onStderr?.(s);
    if (opts.echoStderr) {
      for (const line of s.split('\n')) if (line.trim()) process.stderr.write(`${opts.echoStderr}${line}\n`);
    }
  });
  let peak = 0;
  const sample = () => {
    const rss = readRssBytes(child.pid);
    if (rss > peak) peak = rss;
  };
  const sampler = setInterval(sample, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, opts.timeoutMs);
  const result = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearInterval(sampler);
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      live.delete(child);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        wallMs: performance.now() - started,
        timedOut,
        sampledPeakRssBytes: peak,
        exitStats: takeExitStats(child.pid),
      });
    });
  });
  return { child, result };
}

function readRssBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Throws with the tail of stderr when a child failed or timed out. */
export function describeFailure(what: string, r: ChildResult): string {
  const why = r.timedOut ? 'timed out' : `exited with ${r.signal ?? `code ${r.code}`}`;
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n');
  return `${what} ${why} after ${(r.wallMs / 1000).toFixed(1)} s${tail ? `:\n${tail}` : ''}`;
}

// ---------------------------------------------------------------- sinks

export interface SinkHandle<S> {
  readonly ready: SinkReady;
  /** The counters so far. */
  stats(): Promise<S>;
  /** The counters so far; then zero them. */
  reset(): Promise<S>;
  /** SIGTERM; resolves with the final counters the sink prints (or undefined if it printed none). */
  stop(): Promise<S | undefined>;
}

/** Forks a sink script and waits (up to 20 s) for its `ready` message. */
export async function startSink<S>(script: string, args: string[], cwd: string): Promise<SinkHandle<S>> {
  const child = fork(script, args, { cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const ready = await new Promise<SinkReady>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not report ready within 20 s: ${stderr.trim()}`));
    }, 20_000);
    child.on('message', function onReady(msg: unknown) {
      if ((msg as SinkReady).type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve(msg as SinkReady);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before it was ready: ${stderr.trim() || stdout.trim()}`));
    });
  });

  let nextId = 1;
  const request = (type: 'stats' | 'reset') =>
    new Promise<S>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${script} did not answer ${type}`)), 10_000);
      const onMessage = (msg: unknown) => {
        const reply = msg as SinkReply<S>;
        if (reply.type !== 'stats' || reply.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(reply.stats);
      };
      child.on('message', onMessage);
      child.send({ type, id });
    });

  return {
    ready,
    stats: () => request('stats'),
    reset: () => request('reset'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      const line = stdout.split('\n').find((l) => l.startsWith(STATS_PREFIX));
      return line ? (JSON.parse(line.slice(STATS_PREFIX.length)) as S) : undefined;
    },
  };
}
