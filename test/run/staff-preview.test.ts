// previewStaffEmails: one person's emails, planned from that person's offices only (issue 11,
// item 12: the preview planned the whole data set, 4.3 s at 3,000 offices).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { createPlanReader } from '../../src/db/run-store.ts';
import { liveOfficeIdsOfStaff, staffByIdOrEmail } from '../../src/db/staff-queries.ts';
import type { PlanReader } from '../../src/run/ports.ts';
import { previewStaffEmails } from '../../src/run/staff-preview.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';

const DATE = '2026-12-01';

describe.each(testEngines())('previewStaffEmails on %s', (engine) => {
  let db: Db;
  let mine: string[];
  let taro: StaffFixture;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    const fx = createFixtures(db);
    const all: string[] = [];
    for (let i = 0; i < 30; i++) {
      const office = await fx.office();
      all.push(office);
      await fx.recipient({ office, deadline: '2026-11-30' });
      await fx.staff({ offices: [office] });
    }
    mine = [all[3] as string, all[17] as string, all[28] as string];
    taro = await fx.staff({ offices: mine, email: 'Taro@Example.jp' });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** The real reader, recording which offices each read asked for. */
  function recordingReader(): { reader: PlanReader; asked: string[][] } {
    const real = createPlanReader(db, 'production');
    const asked: string[][] = [];
    return {
      asked,
      reader: {
        ...real,
        async officeChunk(afterId, limit, officeIds) {
          const offices = await real.officeChunk(afterId, limit, officeIds);
          asked.push(offices.map((o) => o.id));
          return offices;
        },
        staffForOffices: (ids) => {
          asked.push([...ids]);
          return real.staffForOffices(ids);
        },
      },
    };
  }

  const ports = (reader: PlanReader) => ({
    reader,
    findStaff: (who: string) => staffByIdOrEmail(db, who),
    officesOf: (id: string) => liveOfficeIdsOfStaff(db, id, 'production'),
  });

  it.each(['digest', 'per-office'] as const)('%s: reads only the person’s offices', async (grouping) => {
    const { reader, asked } = recordingReader();
    const preview = await previewStaffEmails(ports(reader), {
      who: 'taro@example.JP',
      runDate: DATE,
      grouping,
      chunkSize: 1000,
    });
    expect(preview.staff.id).toBe(taro.id);
    const readOffices = new Set(asked.flat());
    expect([...readOffices].sort()).toEqual([...mine].sort());
    const sections = preview.emails.flatMap((e) => e.notice.sections.map((s) => s.office.id));
    expect(sections.sort()).toEqual([...mine].sort());
    expect(preview.emails).toHaveLength(grouping === 'digest' ? 1 : 3);
  });

  it('refuses an unknown person with STAFF_NOT_FOUND', async () => {
    await expect(
      previewStaffEmails(ports(createPlanReader(db, 'production')), {
        who: 'nobody@example.jp',
        runDate: DATE,
        grouping: 'digest',
        chunkSize: 1000,
      }),
    ).rejects.toMatchObject({ code: 'STAFF_NOT_FOUND' });
  });
});
