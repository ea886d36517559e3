// KIGEN_SENDERS: a list of sender accounts (JSON or a file), the single-sender variables as a
// one-item list, every problem reported at once, and the lease/timeout rule of kigen worker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/errors.ts';

const CWD = path.resolve('/srv/kigen-config-test');
const dir = mkdtempSync(path.join(tmpdir(), 'kigen-senders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, {}, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('accepted');
}

describe('sender accounts', () => {
  it('without KIGEN_SENDERS: one sender "default" from SMTP_URL, MAIL_FROM, KIGEN_SEND_RATE and KIGEN_DAILY_QUOTA', () => {
    const c = loadConfig(
      {
        SMTP_URL: 'smtp://relay:25',
        MAIL_FROM: 'x <x@example.jp>',
        KIGEN_SEND_RATE: '2',
        KIGEN_DAILY_QUOTA: '2000',
      },
      {},
      CWD,
    );
    expect(c.senders).toEqual([
      {
        name: 'default',
        transport: { kind: 'smtp', url: 'smtp://relay:25', pool: { maxConnections: 10, maxMessages: 1000 } },
        from: 'x <x@example.jp>',
        ratePerSecond: 2,
        dailyQuota: 2000,
      },
    ]);
    expect(loadConfig({}, {}, CWD).senders[0]?.transport).toEqual({
      kind: 'outbox',
      dir: path.join(CWD, '.kigen', 'outbox'),
    });
  });

  it('reads a JSON list, or the file it names, with per-sender rate, quota, From and pool', () => {
    const list = [
      {
        name: 'a',
        url: 'smtps://u:p@smtp.gmail.com:465',
        from: 'A <a@example.jp>',
        rate: 2.5,
        dailyQuota: 2000,
        pool: 3,
      },
      { name: 'b' },
    ];
    const file = path.join(dir, 'senders.json');
    writeFileSync(file, JSON.stringify(list));
    for (const value of [JSON.stringify(list), file]) {
      const c = loadConfig({ KIGEN_SENDERS: value, MAIL_FROM: 'k <k@example.jp>' }, {}, CWD);
      expect(c.senders.map((s) => [s.name, s.from, s.ratePerSecond, s.dailyQuota])).toEqual([
        ['a', 'A <a@example.jp>', 2.5, 2000],
        ['b', 'k <k@example.jp>', 0, 0],
      ]);
      expect(c.senders[0]?.transport).toMatchObject({ kind: 'smtp', pool: { maxConnections: 3 } });
      expect(c.senders[1]?.transport).toEqual({
        kind: 'outbox',
        dir: path.join(CWD, '.kigen', 'outbox', 'b'),
      });
    }
  });

  it.each([
    ['[{"name":"a"', /KIGEN_SENDERS: invalid JSON/],
    ['/no/such/senders.json', /not a JSON array and not a readable file/],
    ['[]', /at least one sender/],
    ['[{"name":"a"},{"name":"a"}]', /duplicate names a/],
    ['[{"name":"a","url":"http://x"}]', /KIGEN_SENDERS\[0.url\]: url: must be smtp/],
    ['[{"name":"a","rate":-1}]', /KIGEN_SENDERS\[0.rate\]/],
    ['[{"name":"a","typo":1}]', /KIGEN_SENDERS\[0\]: Unrecognized key/],
  ])('KIGEN_SENDERS=%s is refused with a message that says why', (value, message) => {
    expect(problems({ KIGEN_SENDERS: value }).join('\n')).toMatch(message);
  });

  it('reports sender problems together with the others', () => {
    const found = problems({ KIGEN_SENDERS: '[]', KIGEN_CHUNK_SIZE: '0' });
    expect(found).toHaveLength(2);
  });

  it('a worker lease shorter than two send timeouts is refused (a send must end before the lease does)', () => {
    expect(problems({ KIGEN_LEASE_SECONDS: '50', KIGEN_SEND_TIMEOUT_MS: '30000' })).toEqual([
      expect.stringMatching(/^KIGEN_LEASE_SECONDS: must be at least twice KIGEN_SEND_TIMEOUT_MS/),
    ]);
    expect(loadConfig({ KIGEN_LEASE_SECONDS: '60' }, {}, CWD).worker).toEqual({
      leaseSeconds: 60,
      heartbeatSeconds: 30,
      concurrency: 2,
      monitorSeconds: 30,
      watchSeconds: 10,
    });
  });
});
