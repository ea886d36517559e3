// The pages as strings: structure every page must have (lang, labels, CSRF, no inline script or
// style), hostile text escaped, the same wording as the email, masked addresses, role-dependent nav.
import { describe, expect, it } from 'vitest';
import { alertsForCycles } from '../../src/domain/alerts.ts';
import { toHtmlString } from '../../src/web/html.ts';
import { runDeliveriesPage } from '../../src/web/pages/admin-runs.ts';
import { previewPage } from '../../src/web/pages/admin-status.ts';
import { devicesPage } from '../../src/web/pages/devices.ts';
import { managerPage } from '../../src/web/pages/manager.ts';
import { signInPage } from '../../src/web/pages/sign-in.ts';
import { staffHomePage } from '../../src/web/pages/staff-home.ts';
import { WEB_PATHS } from '../../src/web/paths.ts';
import {
  ADMIN_USER,
  CSRF_TOKEN,
  context,
  DATE,
  devicesView,
  homeView,
  managerView,
  OFFICES,
  previewView,
  runDeliveriesView,
  samplePages,
  TIME_ZONE,
} from './sample-views.ts';

const HOSTILE = `<script>alert(1)</script>"&'`;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;';

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

describe.each(samplePages())('page $name', ({ render }) => {
  const page = render();

  it('is a Japanese HTML document with a viewport, one stylesheet and a main landmark', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="ja">')).toBe(true);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.match(/<link rel="stylesheet"/g)).toHaveLength(1);
    expect(page).toContain('<main id="main"');
    expect(page.match(/<h1>/g)).toHaveLength(1);
  });

  it('has no inline script, event handler or style (the CSP forbids them)', () => {
    for (const tag of page.match(/<script\b[^>]*>/g) ?? []) {
      expect(tag).toBe('<script type="module" src="/static/push.js">');
    }
    expect(page).not.toMatch(/<script>[^<]/);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).not.toMatch(/<style\b/i);
    expect(page).not.toMatch(/javascript:/i);
  });

  it('labels every visible form control', () => {
    const controls = page.match(/<(input|select|textarea)\b[^>]*>/g) ?? [];
    for (const tag of controls) {
      if (attr(tag, 'type') === 'hidden') continue;
      const id = attr(tag, 'id');
      expect(id, tag).toBeDefined();
      expect(page, `label for ${id}`).toContain(`<label for="${id}">`);
    }
    const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size, 'ids are unique').toBe(ids.length);
  });

  it('sends the CSRF token with every POST form', () => {
    const forms = page.match(/<form\b[^>]*method="post"[^>]*>[\s\S]*?<\/form>/g) ?? [];
    for (const form of forms) expect(form).toContain(`name="_csrf" value="`);
    expect(page).toMatch(/<meta name="csrf-token" content="[^"]*">/);
  });
});

describe('layout', () => {
  it('shows the operators their pages and staff only theirs, marking the current one', () => {
    const staff =
      samplePages()
        .find((p) => p.name === 'home')
        ?.render() ?? '';
    const admin =
      samplePages()
        .find((p) => p.name === 'admin-runs')
        ?.render() ?? '';
    expect(staff).toContain('<a href="/" aria-current="page">アラート</a>');
    expect(staff).not.toContain(WEB_PATHS.adminRuns);
    expect(admin).toContain(`<a href="${WEB_PATHS.adminRuns}" aria-current="page">実行履歴</a>`);
    expect(staff).toContain(`<meta name="csrf-token" content="${CSRF_TOKEN}">`);
    expect(staff).toContain(`<form class="sign-out" method="post" action="${WEB_PATHS.signOut}">`);
  });

  it('has no navigation, sign-out or push module before sign-in', () => {
    const page = toHtmlString(signInPage(context(WEB_PATHS.signIn, null), { state: 'form' }));
    expect(page).not.toContain('<nav');
    expect(page).not.toContain(WEB_PATHS.signOut);
    expect(page).not.toContain('push.js');
  });

  it('escapes the staff name in the header', () => {
    const page = toHtmlString(
      staffHomePage(context('/', { staffId: 's', fullName: HOSTILE, role: 'employee' }), homeView()),
    );
    expect(page).toContain(`${ESCAPED} さん`);
    expect(page).not.toContain(HOSTILE);
  });
});

describe('sign-in', () => {
  it('answers "check your mail" without saying whether the address exists or repeating it', () => {
    const page = toHtmlString(
      signInPage(context(WEB_PATHS.signInSent, null), { state: 'sent', email: 'x@y.jp' }),
    );
    expect(page).toContain('入力されたアドレスが登録されていれば');
    expect(page).not.toContain('x@y.jp');
  });

  it('shows an input problem next to the field, tied to it for screen readers', () => {
    const page = toHtmlString(
      signInPage(context(WEB_PATHS.signIn, null), {
        state: 'form',
        email: HOSTILE,
        error: 'メールアドレスの形式が正しくありません',
      }),
    );
    expect(page).toContain('aria-invalid="true"');
    expect(page).toContain('aria-describedby="email-hint email-error"');
    expect(page).toContain(`value="${ESCAPED}"`);
  });
});

describe('staff home', () => {
  const page = toHtmlString(staffHomePage(context('/'), homeView()));

  it('puts the office with an overdue recipient first and marks it urgent', () => {
    const first = page.indexOf(OFFICES.hidamari.name);
    const second = page.indexOf(OFFICES.sakura.name);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(second);
    expect(page).toContain('<section class="office card office-urgent" aria-labelledby="office-0">');
    expect(page).toContain('<span class="badge badge-urgent">至急</span>');
    expect(page).toContain('更新期限を過ぎた利用者が2名います');
  });

  it('uses the email wording: overdue days, due today, days left, assessment headings', () => {
    expect(page).toContain('【至急】更新期限を過ぎた利用者（2名）');
    expect(page).toContain('期限切れ（4日経過）');
    expect(page).toContain('期限切れ（本日期限）');
    expect(page).toContain('残り7日');
    expect(page).toContain('2026年12月8日');
    expect(page).toContain('アセスメントが完了していない利用者（2名）');
    expect(page).toContain('2026年12月1日（火）（今日）時点');
  });

  it('lists overdue rows before renewal rows, in deadline order', () => {
    const rows = [...page.matchAll(/<th scope="row" class="name">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(rows.slice(0, 4)).toEqual(['鈴木 一郎', '高橋 美咲', '田中 健太', '佐藤 花子']);
  });

  it('offers a date picker and the neighbouring business days', () => {
    expect(page).toContain(`<input type="date" id="date" name="date" value="${DATE}" required>`);
    expect(page).toContain('href="/?date=2026-11-30" rel="prev"');
    expect(page).toContain('href="/?date=2026-12-02" rel="next"');
  });

  it('says when the day is not a business day', () => {
    const holiday = toHtmlString(staffHomePage(context('/'), { ...homeView(), isBusinessDay: false }));
    expect(holiday).toContain('この日は休業日');
  });

  it('escapes hostile recipient and office names', () => {
    const office = { id: 'o-x', name: HOSTILE };
    const alerts = alertsForCycles(
      [
        {
          officeId: 'o-x',
          recipientId: 'r',
          lastName: HOSTILE,
          firstName: '<img src=x onerror=alert(1)>',
          nextRenewalDeadline: '2026-11-01',
          hasAssessment: false,
        },
      ],
      DATE,
    );
    const hostile = toHtmlString(
      staffHomePage(context('/'), { ...homeView(), offices: [{ office, alerts }] }),
    );
    expect(hostile).not.toContain('<script>alert');
    expect(hostile).not.toContain('<img src=x');
    expect(hostile).toContain(`${ESCAPED} &lt;img src=x onerror=alert(1)&gt;`);
  });

  it('shows one office on its own page (the notification link)', () => {
    const single = toHtmlString(
      staffHomePage(context(`/offices/${OFFICES.sakura.id}`), {
        ...homeView(),
        singleOfficeId: OFFICES.sakura.id,
      }),
    );
    expect(single).toContain(`<h1>${OFFICES.sakura.name}のアラート</h1>`);
    expect(single).not.toContain(OFFICES.hidamari.name);
    expect(single).toContain(`action="/offices/${OFFICES.sakura.id}"`);
  });
});

describe('devices and manager', () => {
  it('hides the subscribe button until push.js shows it, and explains when push is off on the server', () => {
    const on = toHtmlString(devicesPage(context('/devices'), devicesView(), { timeZone: TIME_ZONE }));
    expect(on).toContain('data-push-subscribe hidden>この端末で通知を受け取る</button>');
    expect(on).toContain('iPhone・Safari');
    expect(on).toContain('登録日時 2026-11-20 09:12');
    const off = toHtmlString(
      devicesPage(context('/devices'), { ...devicesView(), pushAvailable: false }, { timeZone: TIME_ZONE }),
    );
    expect(off).not.toContain('data-push-subscribe');
    expect(off).toContain('プッシュ通知が設定されていません');
  });

  it('lets managers edit only the staff the server marked editable, with masked addresses', () => {
    const page = toHtmlString(managerPage(context('/offices/x/staff'), managerView()));
    expect(page.match(/<form method="post" action="\/offices\//g)).toHaveLength(2);
    expect(page).toContain('<dd>オン（10日前から）</dd>'); // the read-only owner
    expect(page).toContain('n***@hidamari.example.jp');
    expect(page).not.toContain('nakamura@');
  });
});

describe('operator pages', () => {
  it('masks every e-mail address of the deliveries, shows reasons and the next-page link', () => {
    const page = toHtmlString(
      runDeliveriesPage(context('/admin/runs/run-3', ADMIN_USER), runDeliveriesView(), {
        timeZone: TIME_ZONE,
      }),
    );
    expect(page).not.toMatch(/[a-z]{2,}@[a-z]/);
    expect(page).toContain('n***@hidamari.example.jp');
    expect(page).toContain('permanent: 550 5.1.1 mailbox unavailable');
    expect(page).toContain('<tr class="row-bad">');
    expect(page).toContain('href="/admin/runs/run-3?status=failed&amp;after=d-0042" rel="next"');
    expect(page).toContain('<option value="failed" selected>失敗</option>');
  });

  it('frames the email preview in a sandbox and refuses a non-site URL', () => {
    const page = toHtmlString(previewPage(context('/admin/preview', ADMIN_USER), previewView()));
    expect(page).toContain('<iframe class="preview-frame" sandbox="" src="/admin/preview/email.html"');
    expect(page).toContain('y***@hidamari.example.jp');
    const view = previewView();
    if (view.email) view.email.htmlUrl = 'javascript:alert(1)';
    expect(toHtmlString(previewPage(context('/admin/preview', ADMIN_USER), view))).toContain('src="#"');
  });
});
