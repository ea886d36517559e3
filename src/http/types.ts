// What the HTTP door needs from the rest of kigen: services and settings, passed in by the caller
// (the serve command, or a test). Nothing here opens a database or reads the environment.
import type { SignInService } from '../auth/sign-in-service.ts';
import type { StaffSummary } from '../db/staff-store.ts';
import type { ClosureRange } from '../domain/business-day.ts';
import type { Logger } from '../logger.ts';
import type { PlanReader } from '../run/ports.ts';
import type { OfficeStaffService } from '../services/office-staff-service.ts';
import type { PreferencesService } from '../services/preferences-service.ts';
import type { PreviewService } from '../services/preview-service.ts';
import type { PushSubscriptionService } from '../services/push-subscription-service.ts';
import type { RunRunner } from '../services/run-runner.ts';
import type { RunsService } from '../services/runs-service.ts';

export interface ServerDeps {
  logger: Logger;
  /** The public origin and path prefix of the server (DASHBOARD_URL): links, cookie security, CSRF origin check. */
  publicUrl: string;
  timeZone: string;
  signIn: SignInService;
  preferences: PreferencesService;
  pushSubscriptions: PushSubscriptionService;
  /** Reads of the daily run, for an office's alerts. */
  planReader: PlanReader;
  preview: PreviewService;
  runs: RunsService;
  runner: RunRunner;
  /** The VAPID public key, or null when push is off. */
  vapidPublicKey: string | null;
  /** Readiness: the database answers and its migrations are current. Resolves to the problems ([] = ready). */
  readiness(): Promise<string[]>;
  /** Proxies whose X-Forwarded-For is trusted (Fastify trustProxy). Default false. */
  trustProxy?: boolean | string;
  /** Largest request body, bytes. Default 64 KiB. */
  bodyLimit?: number;
  /** Where a browser goes after signing in. Default / (the staff home page). */
  afterSignInPath?: string;
  /** The web pages (src/http/pages): product name, office closures, the manager page, operator reads. */
  web: WebDeps;
  /** Called for every route registered (tests enumerate them). */
  onRoute?: (route: { method: string; url: string; access: Access }) => void;
}

/** Who may call a route: anyone, any signed-in staff member, or app_admin only. */
export type Access = 'public' | 'staff' | 'app_admin';

/** What the web pages need beyond the API's services. */
export interface WebDeps {
  appName: string;
  closures: readonly ClosureRange[];
  officeStaff: OfficeStaffService;
  /** Full names by staff id, for a page of deliveries. */
  staffNames(ids: readonly string[]): Promise<Map<string, string>>;
  /** A live staff member by id or address (the preview form), or null. */
  findStaff(idOrEmail: string): Promise<StaffSummary | null>;
  dailyQuota: number;
  emailsSentLast24h(): Promise<number>;
}
