// Who is asking, decided once per request, and the access rules every door applies the same way.
import type { PrincipalRecord } from '../db/auth-store.ts';

export interface Principal extends PrincipalRecord {
  /** How the request proved who it is: a browser session cookie (needs CSRF) or a Bearer API token. */
  via: 'session' | 'api_token';
}

export const isAppAdmin = (p: Principal): boolean => p.role === 'app_admin';

/** Members of an office see it; so does app_admin. Everyone else is told it does not exist. */
export function canSeeOffice(p: Principal, officeId: string): boolean {
  return isAppAdmin(p) || p.officeIds.includes(officeId);
}

/**
 * Whose preferences a principal may read and change: their own; app_admin anyone's; a manager or
 * owner those of staff who share one of their offices.
 */
export function canManageStaff(p: Principal, target: { id: string; officeIds: readonly string[] }): boolean {
  if (p.staffId === target.id || isAppAdmin(p)) return true;
  if (p.role !== 'manager' && p.role !== 'owner') return false;
  return target.officeIds.some((id) => p.officeIds.includes(id));
}
