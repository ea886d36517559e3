// The web pages' public surface for the HTTP layer: page functions, view models, paths, assets.

export { type WebAsset, webAssets } from './assets.ts';
export { PAGE_CSP_DIRECTIVES, pageCspHeader } from './csp.ts';
export { BOTH_CHANNELS_OFF_MESSAGE, PREFERENCES_SAVED_MESSAGE, parsePreferencesForm } from './forms.ts';
export { html, raw, type SafeHtml, toHtmlString } from './html.ts';
export { runDeliveriesPage, runsPage } from './pages/admin-runs.ts';
export { healthPage, PREVIEW_FRAME_CSP, previewPage } from './pages/admin-status.ts';
export { devicesPage } from './pages/devices.ts';
export { type ErrorView, errorPage } from './pages/error.ts';
export { managerPage } from './pages/manager.ts';
export { settingsPage } from './pages/settings.ts';
export { signInPage } from './pages/sign-in.ts';
export { staffHomePage } from './pages/staff-home.ts';
export {
  API_PATHS,
  adminRunPath,
  officeAlertsPath,
  officeStaffPath,
  staffPreferencesPath,
  WEB_PATHS,
} from './paths.ts';
export { STATIC_PATHS } from './static-paths.ts';
export type * from './view-models.ts';
