// Realistic view models for every page: the browser tests and the committed screenshots use them.
// Alerts come from the domain's own rules (alertsForCycles) so the facts are the daily run's.

import { type RenderedEmail, renderEmail } from '../../src/channels/email/email-template.ts';
import { alertsForCycles } from '../../src/domain/alerts.ts';
import { DEFAULT_PREFERENCES } from '../../src/domain/preferences.ts';
import type { LatestCycle, Office } from '../../src/domain/types.ts';
import { BOTH_CHANNELS_OFF_MESSAGE, PREFERENCES_SAVED_MESSAGE } from '../../src/web/forms.ts';
import { type SafeHtml, toHtmlString } from '../../src/web/html.ts';
import { runDeliveriesPage, runsPage } from '../../src/web/pages/admin-runs.ts';
import { healthPage, previewPage } from '../../src/web/pages/admin-status.ts';
import { devicesPage } from '../../src/web/pages/devices.ts';
import { managerPage } from '../../src/web/pages/manager.ts';
import { settingsPage } from '../../src/web/pages/settings.ts';
import { signInPage } from '../../src/web/pages/sign-in.ts';
import { staffHomePage } from '../../src/web/pages/staff-home.ts';
import { adminRunPath, officeAlertsPath, officeStaffPath, WEB_PATHS } from '../../src/web/paths.ts';
import type {
  DevicesView,
  HealthView,
  ManagerView,
  PageContext,
  PreviewView,
  RunDeliveriesView,
  RunRowView,
  RunsView,
  SettingsView,
  StaffHomeView,
} from '../../src/web/view-models.ts';

export const TIME_ZONE = 'Asia/Tokyo';
export const CSRF_TOKEN = 'csrf-test-token-0123456789';
export const DATE = '2026-12-01';

export const OFFICES = {
  hidamari: { id: '0b6f7c1e-0000-4000-8000-000000000001', name: '就労継続支援B型 ひだまり作業所' },
  sakura: { id: '0b6f7c1e-0000-4000-8000-000000000002', name: 'さくら相談支援事業所' },
  aozora: { id: '0b6f7c1e-0000-4000-8000-000000000003', name: 'グループホーム あおぞら' },
} as const satisfies Record<string, Office>;

function cycle(
  office: Office,
  n: number,
  lastName: string,
  firstName: string,
  deadline: string | null,
  hasAssessment = true,
): LatestCycle {
  return {
    officeId: office.id,
    recipientId: `r-${office.id.slice(-1)}-${n}`,
    lastName,
    firstName,
    nextRenewalDeadline: deadline,
    hasAssessment,
  };
}

export function homeView(): StaffHomeView {
  const h = OFFICES.hidamari;
  const s = OFFICES.sakura;
  const hidamari = alertsForCycles(
    [
      cycle(h, 1, '佐藤', '花子', '2026-12-18'),
      cycle(h, 2, '鈴木', '一郎', '2026-11-27'),
      cycle(h, 3, '高橋', '美咲', '2026-12-01'),
      cycle(h, 4, '田中', '健太', '2026-12-08', false),
      cycle(h, 5, '伊藤', '陽菜', null, false),
    ],
    DATE,
  );
  const sakura = alertsForCycles(
    [cycle(s, 1, '渡辺', '蒼', '2026-12-24'), cycle(s, 2, '山本', 'さくら', '2026-12-29', false)],
    DATE,
  );
  return {
    date: DATE,
    today: DATE,
    isBusinessDay: true,
    previousBusinessDay: '2026-11-30',
    nextBusinessDay: '2026-12-02',
    offices: [
      { office: s, alerts: sakura },
      { office: h, alerts: hidamari },
      { office: OFFICES.aozora, alerts: [] },
    ],
  };
}

export const STAFF_USER = { staffId: 'staff-1', fullName: '山田 太郎', role: 'manager' as const };
export const ADMIN_USER = { staffId: 'staff-9', fullName: '運用 担当', role: 'app_admin' as const };

export function context(path: string, user: PageContext['user'] = STAFF_USER): PageContext {
  return { appName: 'kigen', user, csrfToken: user ? CSRF_TOKEN : '', currentPath: path };
}

export function settingsView(): SettingsView {
  return {
    preferences: { ...DEFAULT_PREFERENCES, systemNotification: true, pushThresholdDays: 5 },
    pushAvailable: true,
  };
}

export function devicesView(): DevicesView {
  return {
    pushAvailable: true,
    pushPreferenceOn: true,
    devices: [
      {
        id: 'sub-1',
        endpoint: 'https://fcm.googleapis.com/fcm/send/dXNlcjEtaXBob25l',
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
        createdAt: '2026-11-20T00:12:00Z',
      },
      {
        id: 'sub-2',
        endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
        createdAt: '2026-11-28T05:40:00Z',
      },
    ],
  };
}

export function managerView(): ManagerView {
  return {
    office: OFFICES.hidamari,
    staff: [
      {
        staffId: 'staff-1',
        fullName: '山田 太郎',
        role: 'manager',
        email: 'yamada@hidamari.example.jp',
        preferences: { ...DEFAULT_PREFERENCES, systemNotification: true },
        editable: true,
      },
      {
        staffId: 'staff-2',
        fullName: '中村 由美',
        role: 'employee',
        email: 'nakamura@hidamari.example.jp',
        preferences: { ...DEFAULT_PREFERENCES, emailThresholdDays: 20 },
        editable: true,
      },
      {
        staffId: 'staff-3',
        fullName: '小林 誠',
        role: 'owner',
        email: 'kobayashi@hidamari.example.jp',
        preferences: {
          ...DEFAULT_PREFERENCES,
          emailThresholdDays: 10,
          systemNotification: true,
          pushThresholdDays: 5,
        },
        editable: false,
      },
    ],
  };
}

const RUNS: RunRowView[] = [
  {
    id: 'run-3',
    date: '2026-12-01',
    status: 'partial',
    startedAt: '2026-12-01T00:00:02Z',
    finishedAt: '2026-12-01T00:02:31Z',
    durationMs: 149_000,
    sent: 4_812,
    failed: 3,
    pending: 12,
    skipped: 1,
  },
  {
    id: 'run-2',
    date: '2026-11-30',
    status: 'completed',
    startedAt: '2026-11-30T00:00:01Z',
    finishedAt: '2026-11-30T00:02:20Z',
    durationMs: 139_000,
    sent: 4_790,
    failed: 0,
    pending: 0,
    skipped: 0,
  },
  {
    id: 'run-1',
    date: '2026-11-29',
    status: 'skipped',
    startedAt: '2026-11-29T00:00:01Z',
    finishedAt: '2026-11-29T00:00:01Z',
    durationMs: 40,
    sent: 0,
    failed: 0,
    pending: 0,
    skipped: 0,
  },
];

export function runsView(): RunsView {
  return { runs: RUNS, resumeDate: DATE };
}

export function runDeliveriesView(): RunDeliveriesView {
  return {
    run: RUNS[0] as RunRowView,
    filter: { status: 'failed' },
    nextAfter: 'd-0042',
    deliveries: [
      {
        id: 'd-0040',
        staffName: '中村 由美',
        address: 'nakamura@hidamari.example.jp',
        channel: 'email',
        status: 'failed',
        attempts: 1,
        errorKind: 'permanent',
        errorReason: '550 5.1.1 mailbox unavailable',
        updatedAt: '2026-12-01T00:01:10Z',
      },
      {
        id: 'd-0041',
        staffName: '渡辺 健',
        address: 'watanabe@sakura.example.jp',
        channel: 'email',
        status: 'failed',
        attempts: 5,
        errorKind: 'transient',
        errorReason: '451 4.7.1 try again later',
        updatedAt: '2026-12-01T00:02:30Z',
      },
      {
        id: 'd-0042',
        staffName: '山田 太郎',
        address: 'iPhone・Safari',
        channel: 'push',
        status: 'failed',
        attempts: 1,
        errorKind: 'permanent',
        errorReason: '403 invalid VAPID key',
        updatedAt: '2026-12-01T00:01:12Z',
      },
    ],
  };
}

function sampleEmail(): RenderedEmail {
  const office = homeView().offices[1];
  if (!office) throw new Error('sample data: no office');
  return renderEmail(
    {
      deliveryKey: '2026-12-01:staff-1:email:-',
      runDate: DATE,
      notice: {
        staffId: 'staff-1',
        email: 'yamada@hidamari.example.jp',
        fullName: '山田 太郎',
        channel: 'email',
        sections: [{ office: office.office, alerts: [...office.alerts] }],
      },
    },
    { appName: 'kigen', dashboardUrl: 'http://localhost:3000/' },
  );
}

export function previewView(): PreviewView {
  const rendered = sampleEmail();
  return {
    staffQuery: 'yamada@hidamari.example.jp',
    date: DATE,
    email: {
      staffName: '山田 太郎',
      address: 'yamada@hidamari.example.jp',
      subject: rendered.subject,
      text: rendered.text,
      htmlUrl: '/admin/preview/email.html',
    },
  };
}

/** The preview's framed email HTML (served with PREVIEW_FRAME_CSP). */
export function previewEmailHtml(): string {
  return sampleEmail().html;
}

export function healthView(): HealthView {
  return {
    checks: [
      { name: 'データベース', ok: true, detail: 'PostgreSQL 17（応答 3 ms）' },
      { name: 'マイグレーション', ok: true, detail: '最新（0002）' },
      { name: 'メール送信', ok: true, detail: 'SMTP smtp.example.jp:587' },
    ],
    quota: { dailyQuota: 2000, usedLast24h: 1_512, remaining: 488 },
    lastRun: RUNS[0] ?? null,
    pushEnabled: true,
    checkedAt: '2026-12-01T01:15:00Z',
  };
}

/** Every page with sample data, at the path the HTTP layer will serve it (the screenshots' file names). */
export interface SamplePage {
  name: string;
  path: string;
  render(): string;
}

export function samplePages(): SamplePage[] {
  const page = (name: string, path: string, render: () => SafeHtml): SamplePage => ({
    name,
    path,
    render: () => toHtmlString(render()),
  });
  return [
    page('sign-in', WEB_PATHS.signIn, () => signInPage(context(WEB_PATHS.signIn, null), { state: 'form' })),
    page('sign-in-sent', WEB_PATHS.signInSent, () =>
      signInPage(context(WEB_PATHS.signInSent, null), { state: 'sent' }),
    ),
    page('home', WEB_PATHS.home, () => staffHomePage(context(WEB_PATHS.home), homeView())),
    page('office', officeAlertsPath(OFFICES.hidamari.id), () =>
      staffHomePage(context(officeAlertsPath(OFFICES.hidamari.id)), {
        ...homeView(),
        singleOfficeId: OFFICES.hidamari.id,
      }),
    ),
    page('settings', WEB_PATHS.settings, () =>
      settingsPage(
        { ...context(WEB_PATHS.settings), flash: { kind: 'success', message: PREFERENCES_SAVED_MESSAGE } },
        settingsView(),
      ),
    ),
    page('settings-error', `${WEB_PATHS.settings}/error`, () =>
      settingsPage(context(WEB_PATHS.settings), {
        ...settingsView(),
        preferences: { ...settingsView().preferences, emailNotification: false, systemNotification: false },
        errors: [BOTH_CHANNELS_OFF_MESSAGE],
      }),
    ),
    page('devices', WEB_PATHS.devices, () =>
      devicesPage(context(WEB_PATHS.devices), devicesView(), { timeZone: TIME_ZONE }),
    ),
    page('manager', officeStaffPath(OFFICES.hidamari.id), () =>
      managerPage(context(officeStaffPath(OFFICES.hidamari.id)), managerView()),
    ),
    page('admin-runs', WEB_PATHS.adminRuns, () =>
      runsPage(context(WEB_PATHS.adminRuns, ADMIN_USER), runsView(), { timeZone: TIME_ZONE }),
    ),
    page('admin-run-deliveries', adminRunPath('run-3'), () =>
      runDeliveriesPage(context(adminRunPath('run-3'), ADMIN_USER), runDeliveriesView(), {
        timeZone: TIME_ZONE,
      }),
    ),
    page('admin-preview', WEB_PATHS.adminPreview, () =>
      previewPage(context(WEB_PATHS.adminPreview, ADMIN_USER), previewView()),
    ),
    page('admin-health', WEB_PATHS.adminHealth, () =>
      healthPage(context(WEB_PATHS.adminHealth, ADMIN_USER), healthView(), { timeZone: TIME_ZONE }),
    ),
  ];
}

/** Names as hostile free text (product.md: treat as hostile input): markup, quotes, an event handler. */
export const HOSTILE_NAME = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'&`;

/** The home page with hostile office, recipient and staff names; served at /hostile by the test server. */
export function hostilePage(): SamplePage {
  const office: Office = { id: 'hostile-office', name: HOSTILE_NAME };
  const alerts = alertsForCycles(
    [
      cycle(office, 1, HOSTILE_NAME, HOSTILE_NAME, '2026-11-20', false),
      cycle(office, 2, '安全', '名前', '2026-12-10'),
    ],
    DATE,
  );
  return {
    name: 'hostile',
    path: '/hostile',
    render: () =>
      toHtmlString(
        staffHomePage(context('/', { staffId: 'x', fullName: HOSTILE_NAME, role: 'manager' }), {
          ...homeView(),
          offices: [{ office, alerts }],
        }),
      ),
  };
}
