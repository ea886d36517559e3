// Reading the JSON summaries the children print. kigen's summary shape (run --json):
//   {runDate, status, offices, staff,
//    deliveries: {email: {planned, sent, failed, pending}, push: {…}},
//    statements: {read, write, ddl, other}, phases: {planMs, deliverMs, totalMs},
//    memory: {rssStartBytes, rssPeakBytes, rssGrowthBytes}, throughput: {messagesPerSecond}}
// The parser tolerates missing fields (they become undefined) and log lines around the JSON, and
// throws when there is no summary at all: a benchmark without numbers must not look like a pass.

export interface ChannelCounts {
  planned?: number | undefined;
  sent?: number | undefined;
  failed?: number | undefined;
  pending?: number | undefined;
}

export interface KigenSummary {
  runDate?: string | undefined;
  status?: string | undefined;
  offices?: number | undefined;
  staff?: number | undefined;
  deliveries: { email: ChannelCounts; push: ChannelCounts };
  statements: {
    read?: number | undefined;
    write?: number | undefined;
    ddl?: number | undefined;
    other?: number | undefined;
  };
  phases: { planMs?: number | undefined; deliverMs?: number | undefined; totalMs?: number | undefined };
  memory: {
    rssStartBytes?: number | undefined;
    rssPeakBytes?: number | undefined;
    rssGrowthBytes?: number | undefined;
  };
  throughput: { messagesPerSecond?: number | undefined };
  /** The summary object exactly as kigen printed it. */
  raw: Record<string, unknown>;
}

export interface BaselineSummary {
  wallMs: number;
  emails: number;
  emailsFailed?: number | undefined;
  offices?: number | undefined;
  staff?: number | undefined;
  phases?: { readMs?: number | undefined; deliverMs?: number | undefined };
  pushes?: { sent?: number | undefined; gone?: number | undefined; failed?: number | undefined };
  statements: { read?: number | undefined; write?: number | undefined };
  peakRssBytes?: number | undefined;
  rssGrowthBytes?: number | undefined;
}

/** Every top-level JSON object in a text (pretty-printed or one per line), in order. */
export function jsonObjectsIn(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' && depth > 0) {
      depth--;
      if (depth === 0 && start >= 0) {
        try {
          const value = JSON.parse(text.slice(start, i + 1)) as unknown;
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            found.push(value as Record<string, unknown>);
          }
        } catch {}
        start = -1;
      }
    }
  }
  return found;
}

const n = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const o = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function channel(v: unknown): ChannelCounts {
  const c = o(v);
  return { planned: n(c.planned), sent: n(c.sent), failed: n(c.failed), pending: n(c.pending) };
}

const SUMMARY_KEYS = ['phases', 'deliveries', 'statements', 'runDate'];

/** The last object in stdout that looks like a run summary; throws when there is none. */
export function parseKigenSummary(stdout: string): KigenSummary {
  const candidates = jsonObjectsIn(stdout).filter((x) => SUMMARY_KEYS.some((k) => k in x));
  const raw = candidates.at(-1);
  if (!raw) {
    throw new Error(
      `kigen printed no JSON run summary (expected an object with ${SUMMARY_KEYS.join('/')}); stdout began: ${JSON.stringify(stdout.slice(0, 300))}`,
    );
  }
  const d = o(raw.deliveries);
  const st = o(raw.statements);
  const ph = o(raw.phases);
  const mem = o(raw.memory);
  return {
    runDate: s(raw.runDate),
    status: s(raw.status),
    offices: n(raw.offices),
    staff: n(raw.staff),
    deliveries: { email: channel(d.email), push: channel(d.push) },
    statements: { read: n(st.read), write: n(st.write), ddl: n(st.ddl), other: n(st.other) },
    phases: { planMs: n(ph.planMs), deliverMs: n(ph.deliverMs), totalMs: n(ph.totalMs) },
    memory: {
      rssStartBytes: n(mem.rssStartBytes),
      rssPeakBytes: n(mem.rssPeakBytes),
      rssGrowthBytes: n(mem.rssGrowthBytes),
    },
    throughput: { messagesPerSecond: n(o(raw.throughput).messagesPerSecond) },
    raw,
  };
}

export function parseBaselineSummary(stdout: string): BaselineSummary {
  const raw = jsonObjectsIn(stdout)
    .filter((x) => 'wallMs' in x)
    .at(-1);
  const wallMs = n(raw?.wallMs);
  const emails = n(raw?.emails);
  if (!raw || wallMs === undefined || emails === undefined) {
    throw new Error(`the baseline printed no summary; stdout began: ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  const st = o(raw.statements);
  const ph = o(raw.phases);
  const pu = o(raw.pushes);
  return {
    wallMs,
    emails,
    emailsFailed: n(raw.emailsFailed),
    offices: n(raw.offices),
    staff: n(raw.staff),
    phases: { readMs: n(ph.readMs), deliverMs: n(ph.deliverMs) },
    pushes: { sent: n(pu.sent), gone: n(pu.gone), failed: n(pu.failed) },
    statements: { read: n(st.read), write: n(st.write) },
    peakRssBytes: n(raw.peakRssBytes),
    rssGrowthBytes: n(raw.rssGrowthBytes),
  };
}

/** Total deliveries kigen planned over both channels (falls back to sent + failed + pending). */
export function plannedDeliveries(x: KigenSummary): number | undefined {
  let total = 0;
  let any = false;
  for (const c of [x.deliveries.email, x.deliveries.push]) {
    const v = c.planned ?? sumDefined(c.sent, c.failed, c.pending);
    if (v !== undefined) {
      total += v;
      any = true;
    }
  }
  return any ? total : undefined;
}

function sumDefined(...xs: Array<number | undefined>): number | undefined {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length === 0 ? undefined : d.reduce((a, b) => a + b, 0);
}

export function median(xs: Array<number | undefined>): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/**
 * A streaming filter for a child's stdout that replaces the value of every `"<key>": [...]` or
 * `"<key>": {...}` with null. A dry run's --json lists every notice (hundreds of MB at 50,000
 * offices); the harness only needs the figures around it.
 */
export function createJsonValueDropper(key: string): (chunk: string) => string {
  let mode: 'normal' | 'await-value' | 'skip' = 'normal';
  let inString = false;
  let escaped = false;
  let token = '';
  let tokenIsKey = false;
  let lastString: string | null = null;
  let depth = 0;
  return (chunk) => {
    let out = '';
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (mode === 'skip') {
        if (inString) {
          if (escaped) escaped = false;
          else if (ch === '\\') escaped = true;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '[' || ch === '{') depth++;
        else if (ch === ']' || ch === '}') {
          depth--;
          if (depth === 0) mode = 'normal';
        }
        continue;
      }
      if (mode === 'await-value') {
        if (ch === '[' || ch === '{') {
          mode = 'skip';
          depth = 1;
          out += 'null';
          continue;
        }
        if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') mode = 'normal';
        else {
          out += ch;
          continue;
        }
      }
      out += ch;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') {
          inString = false;
          lastString = tokenIsKey ? token : null;
        } else if (token.length <= key.length) token += ch;
        else tokenIsKey = false;
        continue;
      }
      if (ch === '"') {
        inString = true;
        token = '';
        tokenIsKey = true;
      } else if (ch === ':' && lastString === key) {
        mode = 'await-value';
        lastString = null;
      } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') lastString = null;
    }
    return out;
  };
}
