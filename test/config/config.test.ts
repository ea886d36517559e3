// loadConfig: flags > env > defaults, one ConfigError listing every problem, no secret in any message,
// and a deeply frozen result.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EnvInput, loadConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/errors.ts';

const CWD = path.resolve('/srv/kigen-config-test');

/** The ConfigError that loadConfig throws for this input (fails the test if it does not throw one). */
function configError(env: EnvInput, flags: EnvInput = {}): ConfigError {
  try {
    loadConfig(env, flags, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify({ env, flags })}`);
}

const VAPID = {
  VAPID_PUBLIC_KEY: 'BPublicKeyValue_abc',
  VAPID_PRIVATE_KEY: 'vapid-private-9f8e7d',
  VAPID_SUBJECT: 'mailto:ops@kigen.example.jp',
};

const OAUTH = {
  SMTP_OAUTH_USER: 'sender@example.jp',
  SMTP_OAUTH_CLIENT_ID: 'client-id-123',
  SMTP_OAUTH_CLIENT_SECRET: 'oauth-client-secret-5551',
  SMTP_OAUTH_REFRESH_TOKEN: 'refresh-token-7772',
};

describe('loadConfig defaults', () => {
  it('uses embedded PGlite in <cwd>/.kigen/pgdata and writes mail to <cwd>/.kigen/outbox', () => {
    const config = loadConfig({}, {}, CWD);
    const dataDir = path.join(CWD, '.kigen');
    // A subset match: options added later need not break this test, but these defaults must hold.
    expect(config).toMatchObject({
      database: { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') },
      dataDir,
      timeZone: 'Asia/Tokyo',
      closures: [],
      chunkSize: 1000,
      emailGrouping: 'digest',
      dataScope: 'production',
      delivery: {
        concurrency: 10,
        ratePerSecond: 0,
        dailyQuota: 0,
        timeoutMs: 30_000,
        maxAttempts: 5,
        retryBaseMs: 1000,
        retryMaxMs: 60_000,
      },
      mail: {
        transport: { kind: 'outbox', dir: path.join(dataDir, 'outbox') },
        // The default sender address is a placeholder: any 'kigen <address>' will do here.
        from: expect.stringMatching(/^kigen <[^<>@\s]+@[^<>@\s]+>$/),
        appName: 'kigen',
        dashboardUrl: 'http://localhost:3000/',
      },
      push: null,
      scheduleCron: '0 9 * * *',
      logLevel: 'info',
    });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
    expect(config.mail.transport).toEqual({ kind: 'outbox', dir: path.join(dataDir, 'outbox') });
  });

  it('resolves a relative KIGEN_DATA_DIR against cwd and keeps an absolute one', () => {
    const relative = loadConfig({ KIGEN_DATA_DIR: 'var/data' }, {}, CWD);
    expect(relative.dataDir).toBe(path.join(CWD, 'var/data'));
    expect(relative.database).toEqual({ kind: 'pglite', dataDir: path.join(CWD, 'var/data', 'pgdata') });
    expect(relative.mail.transport).toEqual({ kind: 'outbox', dir: path.join(CWD, 'var/data', 'outbox') });
    const absolute = loadConfig({ KIGEN_DATA_DIR: '/opt/kigen' }, {}, CWD);
    expect(absolute.dataDir).toBe(path.resolve('/opt/kigen'));
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ KIGEN_CHUNK_SIZE: '', KIGEN_TIME_ZONE: '', DATABASE_URL: '' }, {}, CWD);
    expect(config.chunkSize).toBe(1000);
    expect(config.timeZone).toBe('Asia/Tokyo');
    expect(config.database.kind).toBe('pglite');
  });

  it('ignores variables it does not know', () => {
    const config = loadConfig({ KIGEN_CHUNKSIZE: 'abc', PATH: '/usr/bin' }, {}, CWD);
    expect(config.chunkSize).toBe(1000);
  });
});

describe('loadConfig sources', () => {
  it('parses environment values into typed options', () => {
    const config = loadConfig(
      {
        KIGEN_CHUNK_SIZE: '250',
        KIGEN_TIME_ZONE: 'America/Los_Angeles',
        KIGEN_EMAIL_GROUPING: 'per-office',
        KIGEN_DATA_SCOPE: 'test',
        KIGEN_SEND_RATE: '2.5',
        KIGEN_DAILY_QUOTA: '2000',
        LOG_LEVEL: 'debug',
      },
      {},
      CWD,
    );
    expect(config.chunkSize).toBe(250);
    expect(config.timeZone).toBe('America/Los_Angeles');
    expect(config.emailGrouping).toBe('per-office');
    expect(config.dataScope).toBe('test');
    expect(config.delivery.ratePerSecond).toBe(2.5);
    expect(config.delivery.dailyQuota).toBe(2000);
    expect(config.logLevel).toBe('debug');
  });

  it('lets flags override the environment', () => {
    const config = loadConfig(
      { KIGEN_CHUNK_SIZE: '50', KIGEN_DATA_DIR: '/env/dir', KIGEN_TIME_ZONE: 'UTC' },
      { KIGEN_CHUNK_SIZE: '7', KIGEN_DATA_DIR: '/flag/dir' },
      CWD,
    );
    expect(config.chunkSize).toBe(7);
    expect(config.dataDir).toBe(path.resolve('/flag/dir'));
    // Not overridden: the environment still counts.
    expect(config.timeZone).toBe('UTC');
  });

  it('validates the flag, not the environment value it overrides', () => {
    expect(loadConfig({ KIGEN_CHUNK_SIZE: 'abc' }, { KIGEN_CHUNK_SIZE: '3' }, CWD).chunkSize).toBe(3);
    const error = configError({ KIGEN_CHUNK_SIZE: '3' }, { KIGEN_CHUNK_SIZE: 'xyz' });
    expect(error.problems).toEqual([expect.stringMatching(/^KIGEN_CHUNK_SIZE: .*"xyz"/)]);
  });

  it.each(['postgres://kigen@db.example.jp:5432/kigen', 'postgresql://kigen:pw@127.0.0.1/kigen'])(
    'selects PostgreSQL for DATABASE_URL=%s',
    (url) => {
      const config = loadConfig({ DATABASE_URL: url }, {}, CWD);
      expect(config.database).toEqual({ kind: 'postgres', url });
    },
  );

  it('selects PostgreSQL from the --database-url flag over an embedded default', () => {
    const config = loadConfig({}, { DATABASE_URL: 'postgres://flag@h/db' }, CWD);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://flag@h/db' });
  });

  it('switches mail to SMTP when SMTP_URL is set', () => {
    const config = loadConfig(
      { SMTP_URL: 'smtps://u:p@smtp.example.jp:465', SMTP_POOL_SIZE: '3', SMTP_MAX_MESSAGES: '500' },
      {},
      CWD,
    );
    expect(config.mail.transport).toEqual({
      kind: 'smtp',
      url: 'smtps://u:p@smtp.example.jp:465',
      pool: { maxConnections: 3, maxMessages: 500 },
    });
  });
});

describe('loadConfig problems', () => {
  it('reports a bad chunk size, time zone and SMTP URL in one ConfigError', () => {
    const error = configError({
      KIGEN_CHUNK_SIZE: 'abc',
      KIGEN_TIME_ZONE: 'Mars/Base',
      SMTP_URL: 'http://mail.example.jp',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems).toHaveLength(3);
    const byKey = Object.fromEntries(error.problems.map((p) => [p.split(':')[0], p]));
    expect(byKey.KIGEN_CHUNK_SIZE).toMatch(/whole number.*"abc"/);
    expect(byKey.KIGEN_TIME_ZONE).toMatch(/time zone.*"Mars\/Base"/);
    expect(byKey.SMTP_URL).toMatch(/smtp:\/\//);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('reports schema problems and cross-field problems together', () => {
    const error = configError({
      KIGEN_CHUNK_SIZE: '0',
      VAPID_PUBLIC_KEY: 'only-the-public-key',
      KIGEN_CLOSURES: '13-01',
      SMTP_OAUTH_USER: 'sender@example.jp',
    });
    const text = error.problems.join('\n');
    expect(text).toMatch(/KIGEN_CHUNK_SIZE: must be at least 1/);
    expect(text).toMatch(/VAPID_PRIVATE_KEY, VAPID_SUBJECT/);
    expect(text).toMatch(/KIGEN_CLOSURES: '13-01'/);
    expect(text).toMatch(/SMTP_URL is not/);
  });

  it.each([
    ['KIGEN_CHUNK_SIZE', '1.5', /whole number/],
    ['KIGEN_CHUNK_SIZE', '100001', /at most 100000/],
    ['KIGEN_EMAIL_GROUPING', 'weekly', /KIGEN_EMAIL_GROUPING/],
    ['KIGEN_DATA_SCOPE', 'staging', /KIGEN_DATA_SCOPE/],
    ['DATABASE_URL', 'mysql://db.example.jp/kigen', /postgres:\/\//],
    ['DASHBOARD_URL', 'ftp://example.jp/', /http\(s\) URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['KIGEN_SEND_RATE', '-1', /KIGEN_SEND_RATE/],
  ])('rejects %s=%s', (key, value, pattern) => {
    const error = configError({ [key]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(new RegExp(`^${key}: `));
    expect(error.problems[0]).toMatch(pattern);
  });

  it('rejects a retry ceiling below the retry base', () => {
    const error = configError({ KIGEN_RETRY_BASE_MS: '5000', KIGEN_RETRY_MAX_MS: '1000' });
    expect(error.problems).toEqual(['KIGEN_RETRY_MAX_MS: must be at least KIGEN_RETRY_BASE_MS']);
  });
});

describe('loadConfig secrets', () => {
  it('echoes an ordinary rejected value, so the absence of a secret below means something', () => {
    expect(configError({ KIGEN_SEND_CONCURRENCY: 'lots' }).message).toContain('"lots"');
  });

  it.each([
    ['SMTP_URL', 'http://user:hunter2@mail.example.jp:587', 'hunter2'],
    ['SMTP_URL', 'smtp:/user:hunter2@mail.example.jp', 'hunter2'],
    ['DATABASE_URL', 'mysql://kigen:s3cretpw@db.example.jp/kigen', 's3cretpw'],
  ])('does not echo the password of a rejected %s', (key, value, secret) => {
    const error = configError({ [key]: value });
    expect(error.problems[0]).toMatch(new RegExp(`^${key}: `));
    expect(error.message).not.toContain(secret);
    expect(error.problems.join('\n')).not.toContain(secret);
  });

  it('names missing VAPID and OAuth settings without printing the ones that were given', () => {
    const error = configError({
      VAPID_PRIVATE_KEY: VAPID.VAPID_PRIVATE_KEY,
      SMTP_URL: 'smtps://smtp.gmail.com:465',
      SMTP_OAUTH_CLIENT_SECRET: OAUTH.SMTP_OAUTH_CLIENT_SECRET,
      SMTP_OAUTH_REFRESH_TOKEN: OAUTH.SMTP_OAUTH_REFRESH_TOKEN,
    });
    expect(error.message).not.toContain(VAPID.VAPID_PRIVATE_KEY);
    expect(error.message).not.toContain(OAUTH.SMTP_OAUTH_CLIENT_SECRET);
    expect(error.message).not.toContain(OAUTH.SMTP_OAUTH_REFRESH_TOKEN);
  });
});

describe('loadConfig Web Push and OAuth2', () => {
  it('enables push only with all three VAPID settings', () => {
    const config = loadConfig({ ...VAPID, PUSH_TTL_SECONDS: '3600' }, {}, CWD);
    expect(config.push).toEqual({
      publicKey: VAPID.VAPID_PUBLIC_KEY,
      privateKey: VAPID.VAPID_PRIVATE_KEY,
      subject: VAPID.VAPID_SUBJECT,
      ttlSeconds: 3600,
      allowedAddresses: [],
    });
  });

  it('reads the non-public addresses push may connect to as a comma list', () => {
    const config = loadConfig(
      { ...VAPID, KIGEN_PUSH_ALLOWED_ADDRESSES: '10.20.0.5, 10.30.0.0/16,,' },
      {},
      CWD,
    );
    expect(config.push?.allowedAddresses).toEqual(['10.20.0.5', '10.30.0.0/16']);
  });

  it.each([['VAPID_PUBLIC_KEY'], ['VAPID_PRIVATE_KEY'], ['VAPID_SUBJECT']] as const)(
    'rejects VAPID settings without %s',
    (missing) => {
      const env: EnvInput = { ...VAPID };
      delete env[missing];
      const error = configError(env);
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`missing ${missing}`));
      expect(error.problems[0]).toContain('kigen keys vapid');
    },
  );

  it('rejects a VAPID subject that is neither mailto: nor https:', () => {
    const error = configError({ ...VAPID, VAPID_SUBJECT: 'http://kigen.example.jp' });
    expect(error.problems).toEqual(['VAPID_SUBJECT: must start with mailto: or https:']);
  });

  it('configures SMTP OAuth2 with all four settings', () => {
    const config = loadConfig({ SMTP_URL: 'smtps://smtp.gmail.com:465', ...OAUTH }, {}, CWD);
    expect(config.mail.transport).toMatchObject({
      kind: 'smtp',
      oauth2: {
        user: OAUTH.SMTP_OAUTH_USER,
        clientId: OAUTH.SMTP_OAUTH_CLIENT_ID,
        clientSecret: OAUTH.SMTP_OAUTH_CLIENT_SECRET,
        refreshToken: OAUTH.SMTP_OAUTH_REFRESH_TOKEN,
      },
    });
  });

  it('rejects partial OAuth2 settings, naming what is missing', () => {
    const error = configError({
      SMTP_URL: 'smtps://smtp.gmail.com:465',
      SMTP_OAUTH_USER: OAUTH.SMTP_OAUTH_USER,
      SMTP_OAUTH_CLIENT_ID: OAUTH.SMTP_OAUTH_CLIENT_ID,
    });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/missing SMTP_OAUTH_CLIENT_SECRET, SMTP_OAUTH_REFRESH_TOKEN$/);
  });

  it('rejects OAuth2 settings without SMTP_URL', () => {
    const error = configError({ ...OAUTH });
    expect(error.problems).toEqual([expect.stringMatching(/SMTP_URL is not/)]);
  });
});

describe('loadConfig closures', () => {
  it('parses closure days and ranges', () => {
    const config = loadConfig({ KIGEN_CLOSURES: '12-29..01-03, 08-15' }, {}, CWD);
    expect(config.closures).toEqual([
      { from: '12-29', to: '01-03' },
      { from: '08-15', to: '08-15' },
    ]);
  });

  it('reports every bad closure item', () => {
    const error = configError({ KIGEN_CLOSURES: '13-01,12-29..01-32,08-15' });
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/^KIGEN_CLOSURES: '13-01'/);
    expect(error.problems[1]).toMatch(/^KIGEN_CLOSURES: '01-32'/);
  });
});

describe('loadConfig result', () => {
  const config = loadConfig(
    { KIGEN_CLOSURES: '12-29..01-03', SMTP_URL: 'smtps://smtp.gmail.com:465', ...OAUTH, ...VAPID },
    {},
    CWD,
  );

  it('is frozen all the way down', () => {
    const nested: unknown[] = [
      config,
      config.database,
      config.delivery,
      config.mail,
      config.mail.transport,
      config.mail.transport.kind === 'smtp' ? config.mail.transport.pool : null,
      config.mail.transport.kind === 'smtp' ? config.mail.transport.oauth2 : null,
      config.push,
      config.closures,
      config.closures[0],
    ];
    for (const value of nested) {
      expect(value).not.toBeNull();
      expect(Object.isFrozen(value)).toBe(true);
    }
  });

  it('throws on writes instead of changing a value', () => {
    const writable = config as unknown as {
      chunkSize: number;
      delivery: { concurrency: number };
      closures: unknown[];
    };
    expect(() => {
      writable.chunkSize = 1;
    }).toThrow(TypeError);
    expect(() => {
      writable.delivery.concurrency = 99;
    }).toThrow(TypeError);
    expect(() => writable.closures.push({ from: '01-01', to: '01-01' })).toThrow(TypeError);
    expect(config.chunkSize).toBe(1000);
    expect(config.delivery.concurrency).toBe(10);
  });

  it('is a new object per call (freezing one does not affect the next)', () => {
    const other = loadConfig({ KIGEN_CHUNK_SIZE: '5' }, {}, CWD);
    expect(other.chunkSize).toBe(5);
    expect(other).not.toBe(config);
  });
});

describe('loadConfig metrics', () => {
  it('has no listener and no textfile by default', () => {
    expect(loadConfig({}, {}, CWD).metrics).toEqual({
      port: null,
      host: '127.0.0.1',
      token: null,
      textfile: null,
      pushgatewayUrl: null,
    });
  });

  it('reads the listener, the token and the textfile (relative to the working directory)', () => {
    const config = loadConfig(
      {
        KIGEN_METRICS_PORT: '9464',
        KIGEN_METRICS_HOST: '0.0.0.0',
        KIGEN_METRICS_TOKEN: 'x'.repeat(32),
        KIGEN_PUSHGATEWAY_URL: 'http://pushgateway.internal:9091',
      },
      { KIGEN_METRICS_TEXTFILE: 'metrics/kigen.prom' },
      CWD,
    );
    expect(config.metrics).toEqual({
      port: 9464,
      host: '0.0.0.0',
      token: 'x'.repeat(32),
      textfile: path.join(CWD, 'metrics/kigen.prom'),
      pushgatewayUrl: 'http://pushgateway.internal:9091',
    });
  });

  it('reports a bad port and a short token together, without showing the token', () => {
    const error = configError({ KIGEN_METRICS_PORT: '70000', KIGEN_METRICS_TOKEN: 'short-secret' });
    expect(error.problems).toEqual([
      'KIGEN_METRICS_PORT: must be at most 65535 (got "70000")',
      'KIGEN_METRICS_TOKEN: must be at least 16 characters (e.g. the output of: openssl rand -hex 32)',
    ]);
  });
});

describe('numbers are decimal digits only', () => {
  it.each([
    ['KIGEN_SEND_CONCURRENCY', '0x10'],
    ['KIGEN_SEND_CONCURRENCY', '1e1'],
    ['KIGEN_CHUNK_SIZE', ' 100'],
    ['KIGEN_CHUNK_SIZE', '100.0'],
    ['KIGEN_MAX_ATTEMPTS', '+3'],
    ['KIGEN_SEND_RATE', '0x2'],
    ['KIGEN_SEND_RATE', '1e1'],
  ])('%s=%j is refused', (key, value) => {
    const error = configError({ [key]: value });
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${key}: expected .*decimal`))]);
  });

  it('reads plain decimals', () => {
    const config = loadConfig({
      KIGEN_SEND_CONCURRENCY: '16',
      KIGEN_SEND_RATE: '0.5',
      KIGEN_CHUNK_SIZE: '0500',
    });
    expect(config.delivery.concurrency).toBe(16);
    expect(config.delivery.ratePerSecond).toBe(0.5);
    expect(config.chunkSize).toBe(500);
  });
});
