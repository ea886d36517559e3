// The page URLs, in one place: the pages link to them, the service worker opens them, and the
// HTTP layer registers its routes on them. Form posts answer with a redirect (POST → GET).

export const WEB_PATHS = {
  /** GET: the sign-in form; POST: `email` → magic link mail, then redirect to signInSent. */
  signIn: '/sign-in',
  signInSent: '/sign-in/sent',
  /** POST (`_csrf`): ends the session, redirect to signIn. */
  signOut: '/sign-out',
  /** GET ?date=: today's alerts of each of my offices. */
  home: '/',
  /** GET / POST (`_csrf`, email, push, emailThreshold, pushThreshold): my notification settings. */
  settings: '/settings',
  /** GET: my devices; POST devicesRemove (`_csrf`, `endpoint`) works without JavaScript. */
  devices: '/devices',
  devicesRemove: '/devices/remove',
  /** GET runs history; POST (`_csrf`, `date`): resume a date. */
  adminRuns: '/admin/runs',
  adminPreview: '/admin/preview',
  adminHealth: '/admin/health',
} as const;

/** GET ?date=: one office's alerts (the push notification opens this page). */
export function officeAlertsPath(officeId: string): string {
  return `/offices/${encodeURIComponent(officeId)}`;
}

/** GET: the office's staff with their settings (managers); POST staffPreferencesPath saves one person. */
export function officeStaffPath(officeId: string): string {
  return `/offices/${encodeURIComponent(officeId)}/staff`;
}

export function staffPreferencesPath(officeId: string, staffId: string): string {
  return `${officeStaffPath(officeId)}/${encodeURIComponent(staffId)}/preferences`;
}

/** GET ?status=&channel=&after=: one run's deliveries, keyset-paged. */
export function adminRunPath(runId: string): string {
  return `/admin/runs/${encodeURIComponent(runId)}`;
}

/** The page-side API the browser module calls (h4's /api/v1). */
export const API_PATHS = {
  vapidPublicKey: '/api/v1/push/vapid-public-key',
  pushSubscriptions: '/api/v1/me/push-subscriptions',
} as const;
