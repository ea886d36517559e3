// Sign-in by magic link, sessions and API tokens: the use cases behind /auth/* and /api/v1/me/api-tokens.
//
// A link request answers the same way, at the same speed, whether or not the address belongs to
// someone: the caller only waits for the rate limits; looking the address up, storing the token and
// sending the email happen afterwards, in the background.
import type { SignInMailer } from '../channels/email/sign-in-mail.ts';
import type { AuthStore, PrincipalRecord } from '../db/auth-store.ts';
import { maskEmail } from '../domain/mask.ts';
import type { Logger } from '../logger.ts';
import { invalid, ServiceError } from '../services/service-errors.ts';
import { API_TOKEN_CACHE_MS, createPrincipalCache } from './principal-cache.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { hashSecret, newSecret } from './secrets.ts';

/** How long a sign-in link works. */
export const SIGN_IN_TOKEN_MINUTES = 15;
/** Prefix of API tokens, so a leaked one is recognisable (e.g. by secret scanners). */
export const API_TOKEN_PREFIX = 'kgn_';

export interface SignInServiceOptions {
  store: AuthStore;
  mailer: SignInMailer;
  logger: Logger;
  /** Absolute URL of the page that confirms a link, e.g. http://localhost:3000/auth/verify */
  verifyUrl: string;
  sessionHours: number;
  now?: () => Date;
  /** Link requests per address and per client address, per 15 minutes. Defaults 5 and 30. */
  limits?: { perAddress: number; perIp: number };
  /**
   * How long an API token's principal is reused before it is read again, ms (principal-cache.ts).
   * Default 1000; 0 reads it on every request. Revocations through this service take effect at once.
   */
  apiTokenCacheMs?: number;
}

export interface NewSession {
  sessionId: string;
  staffId: string;
  expiresAt: Date;
}

export interface SignInService {
  /** Accepts a link request (or throws rate_limited); the email, if any, is sent in the background. */
  requestLink(email: string, ip: string): void;
  /** Turns a link's token into a new session; the caller's previous session (fixation) is deleted. */
  verify(token: string, previousSessionId: string | null, userAgent: string | null): Promise<NewSession>;
  principalForSession(sessionId: string): Promise<PrincipalRecord | null>;
  principalForApiToken(token: string): Promise<PrincipalRecord | null>;
  signOut(sessionId: string): Promise<void>;
  signOutEverywhere(staffId: string): Promise<number>;
  createApiToken(
    staffId: string,
    name: string,
  ): Promise<{ id: string; name: string; createdAt: string; token: string }>;
  listApiTokens: AuthStore['listApiTokens'];
  revokeApiToken(staffId: string, id: string): Promise<void>;
  /** Resolves when the background link work started so far is done (tests, shutdown). */
  idle(): Promise<void>;
}

const WINDOW_MS = 15 * 60_000;
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function createSignInService(opts: SignInServiceOptions): SignInService {
  const now = opts.now ?? (() => new Date());
  const clock = () => now().getTime();
  const perAddress: RateLimiter = createRateLimiter({
    limit: opts.limits?.perAddress ?? 5,
    windowMs: WINDOW_MS,
    now: clock,
  });
  const perIp: RateLimiter = createRateLimiter({
    limit: opts.limits?.perIp ?? 30,
    windowMs: WINDOW_MS,
    now: clock,
  });
  const pending = new Set<Promise<void>>();
  const tokenPrincipals = createPrincipalCache({
    ttlMs: opts.apiTokenCacheMs ?? API_TOKEN_CACHE_MS,
    now: clock,
  });
  const log = opts.logger.child({ component: 'sign-in' });

  async function sendLink(address: string): Promise<void> {
    const staff = await opts.store.staffByEmail(address);
    if (!staff) {
      log.info({ to: maskEmail(address) }, 'sign-in link requested for an unknown address: nothing sent');
      return;
    }
    const token = newSecret();
    const t = now();
    await opts.store.insertSignInToken(
      hashSecret(token),
      staff.id,
      new Date(t.getTime() + SIGN_IN_TOKEN_MINUTES * 60_000),
    );
    const link = new URL(opts.verifyUrl);
    link.searchParams.set('token', token);
    await opts.mailer.send({
      to: { name: staff.fullName, address: staff.email },
      link: link.toString(),
      validMinutes: SIGN_IN_TOKEN_MINUTES,
    });
    log.info({ staffId: staff.id, to: maskEmail(staff.email) }, 'sign-in link sent');
    await opts.store.purgeExpired(t);
  }

  return {
    requestLink(email, ip) {
      const address = email.trim().toLowerCase();
      if (!ADDRESS.test(address) || address.length > 320) {
        throw invalid(['email: must be an e-mail address']);
      }
      const wait = Math.max(perIp.hit(`ip:${ip}`), perAddress.hit(`address:${address}`));
      if (wait > 0) {
        throw new ServiceError(
          'rate_limited',
          'SIGN_IN_RATE_LIMITED',
          `too many sign-in requests; try again in ${Math.ceil(wait / 60)} minute(s)`,
          { retryAfterSeconds: wait },
        );
      }
      // Started after the answer is on its way, so the answer never waits for any of it.
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => sendLink(address))
        .catch((error: unknown) =>
          log.error(
            { err: { code: (error as { code?: string }).code, message: (error as Error).message } },
            'sign-in link not sent',
          ),
        )
        .finally(() => pending.delete(work));
      pending.add(work);
    },
    async verify(token, previousSessionId, userAgent) {
      const t = now();
      const staffId =
        typeof token === 'string' && token.length <= 100
          ? await opts.store.consumeSignInToken(hashSecret(token), t)
          : null;
      if (!staffId) {
        throw new ServiceError(
          'invalid',
          'SIGN_IN_LINK_INVALID',
          'this sign-in link is invalid, expired or already used; request a new one',
          { problems: ['token: invalid, expired or already used'] },
        );
      }
      const sessionId = newSecret();
      const expiresAt = new Date(t.getTime() + opts.sessionHours * 3_600_000);
      await opts.store.createSession(
        { idHash: hashSecret(sessionId), staffId, expiresAt, userAgent: userAgent?.slice(0, 300) ?? null },
        previousSessionId ? hashSecret(previousSessionId) : null,
        {
          actorId: staffId,
          action: 'session.created',
          targetType: 'staff',
          targetId: staffId,
          details: { method: 'magic_link', expires_at: expiresAt.toISOString() },
        },
      );
      return { sessionId, staffId, expiresAt };
    },
    principalForSession: (sessionId) => opts.store.principalBySession(hashSecret(sessionId), now()),
    principalForApiToken(token) {
      const hash = hashSecret(token);
      return tokenPrincipals.get(hash, () => opts.store.principalByApiToken(hash));
    },
    async signOut(sessionId) {
      await opts.store.deleteSession(hashSecret(sessionId), (staffId) => ({
        actorId: staffId,
        action: 'session.deleted',
        targetType: 'staff',
        targetId: staffId,
        details: { reason: 'signed out' },
      }));
    },
    signOutEverywhere: (staffId) => {
      tokenPrincipals.forgetStaff(staffId);
      return opts.store.deleteStaffSessions(staffId, {
        actorId: staffId,
        action: 'session.deleted_all',
        targetType: 'staff',
        targetId: staffId,
        details: { reason: 'signed out everywhere' },
      });
    },
    async createApiToken(staffId, name) {
      const trimmed = name.trim();
      if (trimmed.length < 1 || trimmed.length > 100) throw invalid(['name: 1 to 100 characters']);
      const token = newSecret(API_TOKEN_PREFIX);
      const info = await opts.store.createApiToken(staffId, trimmed, hashSecret(token), staffId);
      return { ...info, token };
    },
    listApiTokens: (staffId) => opts.store.listApiTokens(staffId),
    async revokeApiToken(staffId, id) {
      const deleted = await opts.store.deleteApiToken(staffId, id, staffId);
      // After the delete: a lookup between forgetting and deleting would cache the token again.
      tokenPrincipals.forgetStaff(staffId);
      if (!deleted) {
        throw new ServiceError('not_found', 'NOT_FOUND', 'API token not found');
      }
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
