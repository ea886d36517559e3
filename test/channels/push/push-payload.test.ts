import { describe, expect, it } from 'vitest';
import {
  buildPushPayload,
  PushNoticeShapeError,
  pushOptions,
  pushTopic,
} from '../../../src/channels/push/push-payload.ts';
import { assessment, OFFICE, overdue, pushNotice, renewal } from './fixtures.ts';

describe('buildPushPayload', () => {
  it('keeps the original title and body when nothing is overdue', () => {
    const notice = pushNotice([renewal('山田 太郎', 3), renewal('鈴木 一郎', 9), assessment('田中 次郎')]);
    expect(buildPushPayload(notice, 10)).toEqual({
      title: '期限アラート（ひまわり就労支援センター）',
      body: '更新期限: 2件、アセスメント未完了: 1件',
      data: {
        type: 'deadline_alert',
        office_id: OFFICE.id,
        office_name: OFFICE.name,
        renewal_count: 2,
        assessment_count: 1,
        overdue_count: 0,
        push_threshold_days: 10,
      },
    });
  });

  it.each([
    {
      alerts: [overdue('山田 太郎')],
      body: '期限切れ: 1件、更新期限: 0件、アセスメント未完了: 0件',
      o: 1,
      r: 0,
      a: 0,
    },
    {
      alerts: [
        overdue('山田 太郎'),
        overdue('伊藤 三郎', 0),
        renewal('鈴木 一郎', 5),
        assessment('田中 次郎'),
      ],
      body: '期限切れ: 2件、更新期限: 1件、アセスメント未完了: 1件',
      o: 2,
      r: 1,
      a: 1,
    },
    {
      alerts: [assessment('田中 次郎'), assessment('高橋 四郎')],
      body: '更新期限: 0件、アセスメント未完了: 2件',
      o: 0,
      r: 0,
      a: 2,
    },
    { alerts: [], body: '更新期限: 0件、アセスメント未完了: 0件', o: 0, r: 0, a: 0 },
  ])('counts by type and puts overdue first: $body', ({ alerts, body, o, r, a }) => {
    const payload = buildPushPayload(pushNotice(alerts), 5);
    expect(payload.body).toBe(body);
    expect(payload.data).toMatchObject({ overdue_count: o, renewal_count: r, assessment_count: a });
  });

  it('never puts recipient names in the payload', () => {
    const payload = buildPushPayload(pushNotice([renewal('山田 太郎', 3), overdue('鈴木 一郎')]), 10);
    expect(JSON.stringify(payload)).not.toMatch(/山田|鈴木/);
  });

  it('carries a hostile office name as plain JSON text, its markup characters full-width', () => {
    const office = { id: 'o-x', name: '<img src=x onerror=alert(1)>"\\' };
    const payload = buildPushPayload(pushNotice([renewal('A B', 1)], office), 10);
    expect(JSON.parse(JSON.stringify(payload)).title).toBe(
      '期限アラート（＜img src=x onerror=alert(1)＞"\\）',
    );
  });

  it.each([0, 2])('rejects a notice with %i sections', (count) => {
    const notice = {
      ...pushNotice([]),
      sections: Array.from({ length: count }, () => ({ office: OFFICE, alerts: [] })),
    };
    expect(() => buildPushPayload(notice, 10)).toThrow(PushNoticeShapeError);
    expect(() => pushOptions(notice)).toThrow(PushNoticeShapeError);
  });
});

describe('pushOptions', () => {
  it('defaults to a 24-hour TTL, normal urgency and a 10 s timeout', () => {
    expect(pushOptions(pushNotice([renewal('A B', 3)]))).toEqual({
      TTL: 86_400,
      urgency: 'normal',
      topic: pushTopic(OFFICE.id),
      timeout: 10_000,
    });
  });

  it('is high urgency when anything is overdue, and takes configured TTL and timeout', () => {
    const options = pushOptions(pushNotice([assessment('A B'), overdue('C D')]), {
      ttlSeconds: 3600,
      timeoutMs: 2500,
    });
    expect(options).toMatchObject({ TTL: 3600, urgency: 'high', timeout: 2500 });
  });
});

describe('pushTopic', () => {
  it.each(['0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10', 'x', '', 'ひまわり', 'a'.repeat(500)])(
    'is at most 32 URL-safe base64 characters for %j',
    (id) => {
      expect(pushTopic(id)).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    },
  );

  it('is stable per office and differs between offices', () => {
    expect(pushTopic('office-a')).toBe(pushTopic('office-a'));
    expect(pushTopic('office-a')).not.toBe(pushTopic('office-b'));
  });
});

describe('office names from the database (hostile free text)', () => {
  it('reach title and data without line breaks, bidi controls or markup', () => {
    const office = { id: OFFICE.id, name: 'ひまわり\r\n<b>至急</b>\u202eevil\u2066 & co\u0000' };
    const payload = buildPushPayload(pushNotice([overdue('山田 太郎')], office), 10);
    for (const text of [payload.title, payload.data.office_name]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
      expect(text).not.toMatch(/[\r\n\u0000\u202e\u2066<>&]/);
    }
    expect(payload.data.office_name).toBe('ひまわり ＜b＞至急＜/b＞evil ＆ co');
    expect(payload.title).toBe('期限アラート（ひまわり ＜b＞至急＜/b＞evil ＆ co）');
  });
});
