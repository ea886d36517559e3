// Failure reasons are stored masked (issue 11, item 7): whatever free text a channel returns, the
// deliveries table and the audit log never hold a whole address (IDN domains and quoted local parts
// included) or a URL's password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, EmailMessage } from '../../src/channels/channel.ts';
import type { Db } from '../../src/db/database.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures } from '../helpers/fixtures.ts';
import { addDays, auditRows, RUN_DATE, runOptions, runWith } from './harness.ts';

const SECRETS = ['山田太郎@例え.jp', '"taro yamada"@example.jp', 'hunter2', 'pw2'];

/** A provider whose refusals quote the recipient and a connection URL. */
const chattyChannel: Channel<EmailMessage> = {
  async send(message) {
    return {
      status: 'failed',
      kind: 'permanent',
      code: '550',
      reason: `550 <${message.notice.email}> unknown; relay postgres://kigen:hunter2@db/k?password=pw2 said no`,
    };
  },
  async close() {},
};

describe.each(testEngines())('stored failure reasons on %s', (engine) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('mask addresses and secrets in deliveries and audit rows', async () => {
    const fx = createFixtures(db);
    const office = await fx.office();
    await fx.recipient({ office, deadline: addDays(RUN_DATE, 3) });
    await fx.staff({ offices: [office], email: '山田太郎@例え.jp' });
    await fx.staff({ offices: [office], email: '"taro yamada"@example.jp' });

    await runWith(db, runOptions(), null, { deps: { channels: { email: chattyChannel, push: null } } });

    const deliveries = await db.k.selectFrom('deliveries').select(['status', 'error_reason']).execute();
    const audits = await auditRows(db);
    expect(deliveries.map((d) => d.status)).toEqual(['failed', 'failed']);
    const stored = JSON.stringify([deliveries.map((d) => d.error_reason), audits.map((a) => a.details)]);
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
    expect(stored).toContain('山***@例え.jp');
    expect(stored).toContain('\\"***@example.jp');
    expect(stored).toContain('password=***');
  });
});
