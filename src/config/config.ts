// Parse flags + environment + defaults once, with one schema that reports every problem at once.
// Nothing below config/ reads process.env: the frozen result is passed down.
import path from 'node:path';
import { z } from 'zod';
import { type ClosureRange, ClosureSpecError, parseClosures } from '../domain/business-day.ts';
import { ConfigError, maskUrlPassword } from './errors.ts';
import { parseSenders, type SenderAccount, type SenderTransport } from './senders.ts';

// Numbers are decimal digits only: Number() would also read "0x10" as 16, "1e3" as 1000 and " 7" as 7.
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'expected a whole number in decimal digits')
    .transform(Number)
    .pipe(
      z
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max}`),
    );

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'unknown IANA time zone (e.g. Asia/Tokyo)' },
);

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), { message: 'must start with postgres:// or postgresql://' });

const smtpUrl = z.string().refine((u) => /^smtps?:\/\/[^/]+/.test(u), {
  message: 'must look like smtp://user:pass@host:587 or smtps://user:pass@host:465',
});

/**
 * Every option, by its environment variable. Flags given on the command line override these.
 * The README's "Configuration" table documents the same names and defaults.
 */
const envSchema = z.object({
  /** Postgres server URL. Unset: embedded PGlite in KIGEN_DATA_DIR. */
  DATABASE_URL: postgresUrl.optional(),
  /** Folder for the embedded database, the outbox and run files. Default ./.kigen */
  KIGEN_DATA_DIR: z.string().min(1).default('.kigen'),
  /** Time zone of the offices: decides "today" and business days. Default Asia/Tokyo */
  KIGEN_TIME_ZONE: timeZone.default('Asia/Tokyo'),
  /** Extra closure days, MM-DD or MM-DD..MM-DD, comma separated (e.g. 12-29..01-03). Default none */
  KIGEN_CLOSURES: z.string().default(''),
  /** Offices per planning chunk. Default 1000 */
  KIGEN_CHUNK_SIZE: int(1, 100_000).default(1000),
  /** digest: one email per staff per run; per-office: one per staff per office. Default digest */
  KIGEN_EMAIL_GROUPING: z.enum(['digest', 'per-office']).default('digest'),
  /** production: skip is_test_data rows; test: only is_test_data rows. Default production */
  KIGEN_DATA_SCOPE: z.enum(['production', 'test']).default('production'),
  /** Messages in flight at once, all channels. Default 10 */
  KIGEN_SEND_CONCURRENCY: int(1, 1000).default(10),
  /** Sends per second per sender account (token bucket); 0 = unlimited. Default 0 */
  KIGEN_SEND_RATE: z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?$/, 'expected a decimal number such as 2 or 0.5')
    .transform(Number)
    .pipe(z.number().min(0).max(10_000))
    .default(0),
  /** Emails per day per sender account; 0 = unlimited. Default 0 */
  KIGEN_DAILY_QUOTA: int(0, 10_000_000).default(0),
  /** Timeout of one send attempt, ms. Default 30000 */
  KIGEN_SEND_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** Attempts per delivery within one run before it is recorded as failed. Default 5 */
  KIGEN_MAX_ATTEMPTS: int(1, 50).default(5),
  /** First retry delay, ms; doubles each attempt with jitter. Default 1000 */
  KIGEN_RETRY_BASE_MS: int(0, 600_000).default(1000),
  /** Longest retry delay, ms. Default 60000 */
  KIGEN_RETRY_MAX_MS: int(0, 3_600_000).default(60_000),
  /** SMTP relay, smtp:// or smtps://. Unset: emails are written as .eml files to <data dir>/outbox */
  SMTP_URL: smtpUrl.optional(),
  /** Pooled SMTP connections. Default: KIGEN_SEND_CONCURRENCY (so every send slot has a connection) */
  SMTP_POOL_SIZE: int(1, 1000).optional(),
  /** Longest a finished delivery waits before its outcome is written, ms (at most 500 are batched). Default 2000 */
  KIGEN_OUTCOME_FLUSH_MS: int(10, 60_000).default(2000),
  /** Messages per SMTP connection before it is renewed. Default 1000 */
  SMTP_MAX_MESSAGES: int(1, 1_000_000).default(1000),
  /** OAuth2 for Gmail / Google Workspace (all four, or none). */
  SMTP_OAUTH_USER: z.string().optional(),
  SMTP_OAUTH_CLIENT_ID: z.string().optional(),
  SMTP_OAUTH_CLIENT_SECRET: z.string().optional(),
  SMTP_OAUTH_REFRESH_TOKEN: z.string().optional(),
  /** From header of every email. Default "kigen <noreply@example.jp>" (set your own) */
  MAIL_FROM: z.string().min(3).default('kigen <noreply@example.jp>'),
  /** Product name shown in the subject. Default kigen */
  APP_NAME: z.string().min(1).default('kigen'),
  /** Link of the email's button. Default http://localhost:3000/ */
  DASHBOARD_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('http://localhost:3000/'),
  /** Web Push VAPID keys (kigen keys vapid) and subject (mailto: or https:). Unset: push is off. */
  VAPID_PUBLIC_KEY: z.string().optional(),
  VAPID_PRIVATE_KEY: z.string().optional(),
  VAPID_SUBJECT: z.string().optional(),
  /** How long the push service keeps an undelivered notice, seconds. Default 86400 */
  PUSH_TTL_SECONDS: int(0, 2_419_200).default(86_400),
  /** When `kigen schedule` starts a run (cron, 5 fields). Default "0 9 * * *" */
  KIGEN_SCHEDULE_CRON: z.string().default('0 9 * * *'),
  /** Log level: fatal, error, warn, info, debug, trace, silent. Default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of the Prometheus /metrics listener of long-lived commands (schedule, serve). Unset: no listener */
  KIGEN_METRICS_PORT: int(0, 65_535).optional(),
  /** Interface of the /metrics listener. Default 127.0.0.1 */
  KIGEN_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Bearer token a scraper must send to /metrics. Default none (keep the listener on loopback then) */
  KIGEN_METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (e.g. the output of: openssl rand -hex 32)')
    .optional(),
  /** `kigen run`: write the run's outcome to this file for node_exporter's textfile collector. Default none */
  KIGEN_METRICS_TEXTFILE: z.string().min(1).optional(),
  /** Non-public IPs / CIDR ranges push may connect to (a push service on a private network). Default none */
  KIGEN_PUSH_ALLOWED_ADDRESSES: z.string().default(''),
  /** `kigen run`: push the run's outcome to this Prometheus Pushgateway (job kigen_run). Default none */
  KIGEN_PUSHGATEWAY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Address `kigen serve` listens on. Default 127.0.0.1 */
  KIGEN_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port `kigen serve` listens on. Default 3000 */
  KIGEN_HTTP_PORT: int(0, 65_535).default(3000),
  /** How long a browser session lasts after sign-in, hours. Default 12 */
  KIGEN_SESSION_HOURS: int(1, 24 * 30).default(12),
  /** Whether `kigen serve` also runs the daily schedule (KIGEN_SCHEDULE_CRON). Default true */
  KIGEN_SERVE_SCHEDULE: z.enum(['true', 'false']).default('true'),
  /** Proxies whose X-Forwarded-For is trusted: false, true, or addresses/CIDRs (comma separated). Default false */
  KIGEN_TRUST_PROXY: z.string().default('false'),
  /** Several sender accounts: a JSON array or the path of a JSON file. Unset: one sender from SMTP_URL, MAIL_FROM, KIGEN_SEND_RATE, KIGEN_DAILY_QUOTA */
  KIGEN_SENDERS: z.string().optional(),
  /** kigen worker: seconds a worker holds the deliveries it claimed (renewed every third of it). Default 60 */
  KIGEN_LEASE_SECONDS: int(3, 3600).default(60),
  /** kigen worker: heartbeat of a running job; a worker silent for this long has its jobs retried elsewhere. Default 30 */
  KIGEN_JOB_HEARTBEAT_SECONDS: int(10, 3600).default(30),
  /** kigen worker: jobs of each queue one worker runs at once. Default 2 */
  KIGEN_WORKER_CONCURRENCY: int(1, 100).default(2),
  /** kigen worker: how often the queue looks for jobs of dead workers, seconds. Default 30 */
  KIGEN_QUEUE_MONITOR_SECONDS: int(1, 600).default(30),
  /** kigen worker: how often a distributed run checks whether it is finished, seconds. Default 10 */
  KIGEN_WATCH_SECONDS: int(1, 600).default(10),
  /** Largest CSV file `kigen import` reads, in MB; larger files are refused before reading. Default 512 */
  KIGEN_IMPORT_MAX_FILE_MB: int(1, 100_000).default(512),
  /** Days a delivery row (and its payload) is kept, for resends and "did I get it?" questions. Default 90 */
  KIGEN_RETAIN_DELIVERY_DAYS: int(1, 36_500).default(90),
  /** Days an audit row is kept. Default 1095 (3 years) */
  KIGEN_RETAIN_AUDIT_DAYS: int(1, 36_500).default(1095),
});

export type EnvInput = Record<string, string | undefined>;

export interface Config {
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  timeZone: string;
  closures: ClosureRange[];
  chunkSize: number;
  emailGrouping: 'digest' | 'per-office';
  dataScope: 'production' | 'test';
  delivery: {
    concurrency: number;
    ratePerSecond: number;
    dailyQuota: number;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    outcomeFlushMs: number;
  };
  mail: {
    transport: SenderTransport;
    from: string;
    appName: string;
    dashboardUrl: string;
  };
  push: {
    publicKey: string;
    privateKey: string;
    subject: string;
    ttlSeconds: number;
    /** Non-public addresses push may connect to anyway (every other one is refused at connect time). */
    allowedAddresses: string[];
  } | null;
  scheduleCron: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  metrics: {
    /** null: no /metrics listener. */
    port: number | null;
    host: string;
    token: string | null;
    /** Absolute path of the node_exporter textfile `kigen run` writes; null: none. */
    textfile: string | null;
    /** Pushgateway `kigen run` pushes its outcome to; null: none. */
    pushgatewayUrl: string | null;
  };
  /** `kigen serve`: where it listens, sessions, and whether it runs the schedule itself. */
  http: {
    host: string;
    port: number;
    sessionHours: number;
    schedule: boolean;
    trustProxy: boolean | string;
  };
  /** Sender accounts for email: KIGEN_SENDERS, or one built from the single-sender variables. */
  senders: SenderAccount[];
  /** The distributed mode (kigen worker). */
  worker: {
    leaseSeconds: number;
    heartbeatSeconds: number;
    concurrency: number;
    monitorSeconds: number;
    watchSeconds: number;
  };
  importMaxFileBytes: number;
  retention: { deliveryDays: number; auditDays: number };
}

/**
 * Builds the configuration from the environment with command-line flags on top
 * (flags use the same names as the environment variables). Throws ConfigError listing every problem.
 */
export function loadConfig(env: EnvInput, flags: EnvInput = {}, cwd = process.cwd()): Readonly<Config> {
  const merged: EnvInput = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = flags[key] ?? env[key];
    // An empty variable counts as unset, as most tools treat it.
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = envSchema.safeParse(merged);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      problems.push(`${key}: ${issue.message}${shownValue(key, merged[key])}`);
    }
  }
  // The checks below read only string options, so they also run when the schema failed:
  // every problem is reported at once.
  const e = (parsed.success ? parsed.data : merged) as z.infer<typeof envSchema>;
  const oauthKeys = [
    'SMTP_OAUTH_USER',
    'SMTP_OAUTH_CLIENT_ID',
    'SMTP_OAUTH_CLIENT_SECRET',
    'SMTP_OAUTH_REFRESH_TOKEN',
  ] as const;
  const oauthSet = oauthKeys.filter((k) => e[k] !== undefined);
  if (oauthSet.length > 0 && oauthSet.length < oauthKeys.length) {
    problems.push(
      `SMTP OAuth2 needs all of ${oauthKeys.join(', ')}; missing ${oauthKeys.filter((k) => !e[k]).join(', ')}`,
    );
  }
  if (oauthSet.length > 0 && !e.SMTP_URL)
    problems.push('SMTP_OAUTH_* is set but SMTP_URL is not (e.g. smtps://smtp.gmail.com:465)');
  const vapidKeys = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;
  const vapidSet = vapidKeys.filter((k) => e[k] !== undefined);
  if (vapidSet.length > 0 && vapidSet.length < vapidKeys.length) {
    problems.push(
      `Web Push needs all of ${vapidKeys.join(', ')}; missing ${vapidKeys.filter((k) => !e[k]).join(', ')} (generate keys with: npx kigen keys vapid)`,
    );
  }
  if (e.VAPID_SUBJECT && !/^(mailto:|https:)/.test(e.VAPID_SUBJECT)) {
    problems.push('VAPID_SUBJECT: must start with mailto: or https:');
  }
  if (parsed.success && e.KIGEN_LEASE_SECONDS * 1000 < 2 * e.KIGEN_SEND_TIMEOUT_MS)
    problems.push(
      'KIGEN_LEASE_SECONDS: must be at least twice KIGEN_SEND_TIMEOUT_MS (a send started before the lease’s deadline must end before the lease does)',
    );
  if (parsed.success && e.KIGEN_RETRY_MAX_MS < e.KIGEN_RETRY_BASE_MS)
    problems.push('KIGEN_RETRY_MAX_MS: must be at least KIGEN_RETRY_BASE_MS');
  let closures: ClosureRange[] = [];
  try {
    closures = parseClosures(e.KIGEN_CLOSURES ?? '');
  } catch (error) {
    if (!(error instanceof ClosureSpecError)) throw error;
    problems.push(...error.problems.map((p) => `KIGEN_CLOSURES: ${p} (e.g. 12-29..01-03,08-15)`));
  }
  const outboxDir = path.join(path.resolve(cwd, e.KIGEN_DATA_DIR ?? '.kigen'), 'outbox');
  const senderList = parseSenders(e.KIGEN_SENDERS, {
    single: {
      name: 'default',
      transport: e.SMTP_URL
        ? {
            kind: 'smtp',
            url: e.SMTP_URL,
            pool: {
              maxConnections: Number(e.SMTP_POOL_SIZE ?? e.KIGEN_SEND_CONCURRENCY),
              maxMessages: Number(e.SMTP_MAX_MESSAGES),
            },
          }
        : { kind: 'outbox', dir: outboxDir },
      from: e.MAIL_FROM,
      ratePerSecond: Number(e.KIGEN_SEND_RATE),
      dailyQuota: Number(e.KIGEN_DAILY_QUOTA),
    },
    outboxDir,
    poolSize: Number(e.SMTP_POOL_SIZE ?? e.KIGEN_SEND_CONCURRENCY ?? 10),
    maxMessages: Number(e.SMTP_MAX_MESSAGES ?? 1000),
    cwd,
  });
  problems.push(...senderList.problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(cwd, e.KIGEN_DATA_DIR);
  const config: Config = {
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') },
    dataDir,
    timeZone: e.KIGEN_TIME_ZONE,
    closures,
    chunkSize: e.KIGEN_CHUNK_SIZE,
    emailGrouping: e.KIGEN_EMAIL_GROUPING,
    dataScope: e.KIGEN_DATA_SCOPE,
    delivery: {
      concurrency: e.KIGEN_SEND_CONCURRENCY,
      ratePerSecond: e.KIGEN_SEND_RATE,
      dailyQuota: e.KIGEN_DAILY_QUOTA,
      timeoutMs: e.KIGEN_SEND_TIMEOUT_MS,
      maxAttempts: e.KIGEN_MAX_ATTEMPTS,
      retryBaseMs: e.KIGEN_RETRY_BASE_MS,
      retryMaxMs: e.KIGEN_RETRY_MAX_MS,
      outcomeFlushMs: e.KIGEN_OUTCOME_FLUSH_MS,
    },
    mail: {
      transport: e.SMTP_URL
        ? {
            kind: 'smtp',
            url: e.SMTP_URL,
            pool: {
              maxConnections: e.SMTP_POOL_SIZE ?? e.KIGEN_SEND_CONCURRENCY,
              maxMessages: e.SMTP_MAX_MESSAGES,
            },
            ...(e.SMTP_OAUTH_USER &&
            e.SMTP_OAUTH_CLIENT_ID &&
            e.SMTP_OAUTH_CLIENT_SECRET &&
            e.SMTP_OAUTH_REFRESH_TOKEN
              ? {
                  oauth2: {
                    user: e.SMTP_OAUTH_USER,
                    clientId: e.SMTP_OAUTH_CLIENT_ID,
                    clientSecret: e.SMTP_OAUTH_CLIENT_SECRET,
                    refreshToken: e.SMTP_OAUTH_REFRESH_TOKEN,
                  },
                }
              : {}),
          }
        : { kind: 'outbox', dir: path.join(dataDir, 'outbox') },
      from: e.MAIL_FROM,
      appName: e.APP_NAME,
      dashboardUrl: e.DASHBOARD_URL,
    },
    push:
      e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY && e.VAPID_SUBJECT
        ? {
            publicKey: e.VAPID_PUBLIC_KEY,
            privateKey: e.VAPID_PRIVATE_KEY,
            subject: e.VAPID_SUBJECT,
            ttlSeconds: e.PUSH_TTL_SECONDS,
            allowedAddresses: (e.KIGEN_PUSH_ALLOWED_ADDRESSES ?? '')
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : null,
    scheduleCron: e.KIGEN_SCHEDULE_CRON,
    logLevel: e.LOG_LEVEL,
    metrics: {
      port: e.KIGEN_METRICS_PORT ?? null,
      host: e.KIGEN_METRICS_HOST,
      token: e.KIGEN_METRICS_TOKEN ?? null,
      textfile: e.KIGEN_METRICS_TEXTFILE ? path.resolve(cwd, e.KIGEN_METRICS_TEXTFILE) : null,
      pushgatewayUrl: e.KIGEN_PUSHGATEWAY_URL ?? null,
    },
    http: {
      host: e.KIGEN_HTTP_HOST,
      port: e.KIGEN_HTTP_PORT,
      sessionHours: e.KIGEN_SESSION_HOURS,
      schedule: e.KIGEN_SERVE_SCHEDULE === 'true',
      trustProxy:
        e.KIGEN_TRUST_PROXY === 'true' ? true : e.KIGEN_TRUST_PROXY === 'false' ? false : e.KIGEN_TRUST_PROXY,
    },
    senders: senderList.senders,
    worker: {
      leaseSeconds: e.KIGEN_LEASE_SECONDS,
      heartbeatSeconds: e.KIGEN_JOB_HEARTBEAT_SECONDS,
      concurrency: e.KIGEN_WORKER_CONCURRENCY,
      monitorSeconds: e.KIGEN_QUEUE_MONITOR_SECONDS,
      watchSeconds: e.KIGEN_WATCH_SECONDS,
    },
    importMaxFileBytes: e.KIGEN_IMPORT_MAX_FILE_MB * 1024 * 1024,
    retention: { deliveryDays: e.KIGEN_RETAIN_DELIVERY_DAYS, auditDays: e.KIGEN_RETAIN_AUDIT_DAYS },
  };
  if (!e.KIGEN_SENDERS && config.mail.transport.kind === 'smtp' && config.mail.transport.oauth2) {
    // The single sender keeps its OAuth2 settings.
    const first = config.senders[0];
    if (first?.transport.kind === 'smtp') first.transport.oauth2 = config.mail.transport.oauth2;
  }
  return deepFreeze(config);
}

/** A rejected value as a problem shows it: secrets never, URLs without their password. */
function shownValue(key: string, value: string | undefined): string {
  if (value === undefined || /PASSWORD|SECRET|PRIVATE|TOKEN/.test(key)) return '';
  if (key.endsWith('_URL')) {
    const masked = maskUrlPassword(value);
    // Unmasked but with user info (e.g. "smtp:/user:pass@host"): it may still carry a password.
    if (masked === value && value.includes('@')) return '';
    return ` (got "${masked}")`;
  }
  return ` (got "${value}")`;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The documented option names, for `--help` and the README check. */
export const CONFIG_KEYS = Object.keys(envSchema.shape);
