import { describe, expect, it } from 'vitest';
import {
  countAlerts,
  escapeHtml,
  formatJapaneseDate,
  oneLine,
  renderEmail,
  renderSubject,
} from '../../../src/channels/email/email-template.ts';
import { alert, emailMessage, HOSTILE, notice, section, typicalNotice } from './fixtures.ts';

const opts = { appName: 'kigen', dashboardUrl: 'https://kigen.example.jp/dashboard' };

describe('escapeHtml', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [`"&'`, '&quot;&amp;&#39;'],
    ['&amp;', '&amp;amp;'],
    ['山田 太郎', '山田 太郎'],
  ])('%s → %s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('oneLine', () => {
  it('turns control characters and line breaks into one space', () => {
    expect(oneLine('山田\r\n太郎\u0000\t様')).toBe('山田 太郎 様');
  });
});

describe('formatJapaneseDate', () => {
  it.each([
    ['2026-12-01', '2026年12月1日'],
    ['2027-01-31', '2027年1月31日'],
    [null, '—'],
  ])('%s → %s', (input, expected) => {
    expect(formatJapaneseDate(input)).toBe(expected);
  });
});

describe('renderSubject', () => {
  it.each([
    [
      'overdue present',
      [alert('renewal_overdue', 'A', { daysRemaining: -1 }), alert('renewal_deadline', 'B')],
      '【kigen】【至急】更新期限を過ぎた利用者がいます',
    ],
    ['renewal only', [alert('renewal_deadline', 'B')], '【kigen】更新期限が近い利用者がいます'],
    [
      'renewal and assessment',
      [alert('renewal_deadline', 'B'), alert('assessment_incomplete', 'C')],
      '【kigen】更新期限が近い利用者がいます',
    ],
    [
      'assessment only',
      [alert('assessment_incomplete', 'C')],
      '【kigen】アセスメントが完了していない利用者がいます',
    ],
  ])('%s', (_label, alerts, expected) => {
    expect(renderSubject(notice([section('o1', '事業所', alerts)]), 'kigen')).toBe(expected);
  });

  it('looks at every office section', () => {
    const n = notice([
      section('o1', '一', [alert('renewal_deadline', 'B')]),
      section('o2', '二', [alert('renewal_overdue', 'A', { daysRemaining: 0 })]),
    ]);
    expect(renderSubject(n, 'kigen')).toContain('【至急】');
    expect(countAlerts(n)).toEqual({ overdue: 1, renewal: 1, assessment: 0 });
  });
});

describe('renderEmail', () => {
  it('greets the staff member and uses the Japanese subject', () => {
    const out = renderEmail(emailMessage(typicalNotice()), opts);
    expect(out.subject).toBe('【kigen】【至急】更新期限を過ぎた利用者がいます');
    expect(out.html).toContain('山田 花子 様');
    expect(out.text.startsWith('山田 花子 様\n')).toBe(true);
    expect(out.html).toContain('<html lang="ja">');
  });

  it('puts the overdue table first, marked urgent, then renewals, then missing assessments', () => {
    const out = renderEmail(emailMessage(typicalNotice()), opts);
    for (const body of [out.html, out.text]) {
      const overdue = body.indexOf('【至急】更新期限を過ぎた利用者');
      const renewal = body.indexOf('更新期限が近い利用者（');
      const assessment = body.indexOf('アセスメントが完了していない利用者（');
      expect(overdue).toBeGreaterThan(-1);
      expect(renewal).toBeGreaterThan(overdue);
      expect(assessment).toBeGreaterThan(renewal);
      // each name sits in its own group
      expect(body.indexOf('佐藤 次郎')).toBeGreaterThan(overdue);
      expect(body.indexOf('佐藤 次郎')).toBeLessThan(renewal);
      expect(body.indexOf('鈴木 一郎')).toBeGreaterThan(renewal);
      expect(body.indexOf('鈴木 一郎')).toBeLessThan(assessment);
      expect(body.indexOf('田中 三郎')).toBeGreaterThan(assessment);
    }
    expect(out.html).toContain('期限切れ（6日経過）');
    expect(out.html).toContain('2026年11月30日');
    expect(out.html).toContain('残り10日');
    expect(out.text).toContain('佐藤 次郎　期限日: 2026年11月30日　期限切れ（6日経過）');
    expect(out.text).toContain('鈴木 一郎　期限日: 2026年12月16日　残り10日');
    // the urgent block is visibly marked (red border)
    expect(out.html).toMatch(/border-left:4px solid #dc2626[^>]*>.*【至急】/s);
  });

  it('shows a deadline of today as 本日期限', () => {
    const n = notice([section('o1', '事業所', [alert('renewal_overdue', 'A B', { daysRemaining: 0 })])]);
    expect(renderEmail(emailMessage(n), opts).text).toContain('期限切れ（本日期限）');
  });

  it('has a section per office with the office name as heading, in notice order', () => {
    const n = notice([
      section('o1', 'ひまわり作業所', [alert('renewal_deadline', '甲 乙')]),
      section('o2', 'あおぞら就労支援', [alert('assessment_incomplete', '丙 丁')]),
    ]);
    const out = renderEmail(emailMessage(n), opts);
    expect(out.html).toMatch(/<h2[^>]*>ひまわり作業所<\/h2>/);
    expect(out.html).toMatch(/<h2[^>]*>あおぞら就労支援<\/h2>/);
    expect(out.html.indexOf('ひまわり作業所')).toBeLessThan(out.html.indexOf('あおぞら就労支援'));
    expect(out.text).toContain('■ ひまわり作業所');
    expect(out.text).toContain('■ あおぞら就労支援');
    expect(out.html.indexOf('甲 乙')).toBeLessThan(out.html.indexOf('あおぞら就労支援'));
    expect(out.html.indexOf('丙 丁')).toBeGreaterThan(out.html.indexOf('あおぞら就労支援'));
  });

  it('links to the dashboard and carries the automatic-mail footer in both parts', () => {
    const out = renderEmail(emailMessage(typicalNotice()), opts);
    expect(out.html).toContain('<a href="https://kigen.example.jp/dashboard"');
    expect(out.text).toContain('https://kigen.example.jp/dashboard');
    expect(out.html).toContain('このメールは自動送信されています');
    expect(out.text).toContain('このメールは自動送信されています');
  });

  it('uses inline styles and no external assets', () => {
    const { html } = renderEmail(emailMessage(typicalNotice()), opts);
    expect(html).not.toMatch(/<style|<link|<img|<script|src=|url\(/i);
    expect(html).toContain('name="viewport"');
    expect(html).toContain('max-width:600px');
  });

  it('escapes hostile recipient, office and staff names in the HTML', () => {
    const n = notice(
      [
        section('o1', `事業所${HOSTILE}`, [
          alert('renewal_overdue', `期限切れ${HOSTILE}`, { daysRemaining: -3 }),
          alert('renewal_deadline', `更新${HOSTILE}`),
          alert('assessment_incomplete', `未完了${HOSTILE}`),
        ]),
      ],
      { fullName: `職員${HOSTILE}` },
    );
    const out = renderEmail(emailMessage(n), {
      appName: `app${HOSTILE}`,
      dashboardUrl: 'https://x.example/?a=1&b="2"',
    });
    expect(out.html).not.toContain('<script>');
    expect(out.html).not.toContain(`"&'`);
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;';
    for (const label of ['事業所', '期限切れ', '更新', '未完了', '職員', 'app']) {
      expect(out.html).toContain(`${label}${escaped}`);
    }
    expect(out.html).toContain('href="https://x.example/?a=1&amp;b=&quot;2&quot;"');
    // the text part carries the names as they are (it is not HTML)
    expect(out.text).toContain(`未完了${HOSTILE}`);
    expect(out.text).toContain(`職員${HOSTILE} 様`);
  });

  it('keeps a name with line breaks on one line', () => {
    const n = notice([
      section('o1', '事業所', [alert('assessment_incomplete', '悪意\r\nBcc: x@example.com')]),
    ]);
    const out = renderEmail(emailMessage(n), opts);
    expect(out.text).toContain('  - 悪意 Bcc: x@example.com\n');
  });
});
