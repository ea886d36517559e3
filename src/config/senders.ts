// Sender accounts (KIGEN_SENDERS): several mailboxes or relays, each with its own transport, From,
// rate and daily quota. Without KIGEN_SENDERS the single-sender variables make a one-item list.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export type SenderTransport =
  | { kind: 'outbox'; dir: string }
  | {
      kind: 'smtp';
      url: string;
      pool: { maxConnections: number; maxMessages: number };
      oauth2?: { user: string; clientId: string; clientSecret: string; refreshToken: string };
    };

export interface SenderAccount {
  /** Stable name: recorded on each email it sends (deliveries.sender) and used as the quota key. */
  name: string;
  transport: SenderTransport;
  from: string;
  /** Sends per second across all workers; 0 = unlimited. */
  ratePerSecond: number;
  /** Emails per 24 h across all workers; 0 = unlimited. */
  dailyQuota: number;
}

const senderItem = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'name: letters, digits, . _ - (at most 64)'),
    url: z
      .string()
      .refine((u) => /^smtps?:\/\/[^/]+/.test(u), { message: 'url: must be smtp://… or smtps://…' })
      .optional(),
    from: z.string().min(3).optional(),
    rate: z.number().min(0).max(10_000).default(0),
    dailyQuota: z.number().int().min(0).max(10_000_000).default(0),
    pool: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** What the rest of the configuration supplies to the sender list. */
export interface SenderDefaults {
  single: SenderAccount;
  outboxDir: string;
  poolSize: number;
  maxMessages: number;
  cwd: string;
}

/**
 * Parses KIGEN_SENDERS: a JSON array, or the path of a JSON file holding one (e.g. /etc/kigen/senders.json).
 * Returns the list, or the problems found (every one, for the config's report).
 */
export function parseSenders(
  value: string | undefined,
  defaults: SenderDefaults,
): { senders: SenderAccount[]; problems: string[] } {
  if (value === undefined) return { senders: [defaults.single], problems: [] };
  let text = value;
  if (!value.trimStart().startsWith('[')) {
    const file = path.resolve(defaults.cwd, value);
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return {
        senders: [],
        problems: [
          `KIGEN_SENDERS: not a JSON array and not a readable file (${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        ],
      };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { senders: [], problems: [`KIGEN_SENDERS: invalid JSON (${(error as Error).message})`] };
  }
  const parsed = z.array(senderItem).min(1, 'at least one sender').safeParse(json);
  if (!parsed.success) {
    return {
      senders: [],
      problems: parsed.error.issues.map(
        (i) =>
          `KIGEN_SENDERS${i.path.length ? `[${i.path.join('.')}]` : ''}: ${i.message} (e.g. [{"name":"a","url":"smtps://…","from":"…","rate":2,"dailyQuota":2000}])`,
      ),
    };
  }
  const names = parsed.data.map((s) => s.name);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  if (dup.length > 0) return { senders: [], problems: [`KIGEN_SENDERS: duplicate names ${dup.join(', ')}`] };
  return {
    problems: [],
    senders: parsed.data.map((s) => ({
      name: s.name,
      transport: s.url
        ? {
            kind: 'smtp',
            url: s.url,
            pool: { maxConnections: s.pool ?? defaults.poolSize, maxMessages: defaults.maxMessages },
          }
        : { kind: 'outbox', dir: path.join(defaults.outboxDir, s.name) },
      from: s.from ?? defaults.single.from,
      ratePerSecond: s.rate,
      dailyQuota: s.dailyQuota,
    })),
  };
}
