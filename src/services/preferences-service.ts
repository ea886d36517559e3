// A staff member's notification preferences: read and update, for themselves or for those they manage.
import { canManageStaff, type Principal } from '../auth/principal.ts';
import type { StaffStore } from '../db/staff-store.ts';
import { validatePreferences } from '../domain/preferences.ts';
import type { Preferences } from '../domain/types.ts';
import { invalid, notFound } from './service-errors.ts';

export interface PreferencesService {
  get(principal: Principal, staffId: string): Promise<Preferences>;
  /** A partial update: missing fields keep their stored value. Throws `invalid` with every problem. */
  update(principal: Principal, staffId: string, patch: unknown): Promise<Preferences>;
}

export function createPreferencesService(store: StaffStore): PreferencesService {
  async function visible(principal: Principal, staffId: string): Promise<Preferences> {
    // Staff the principal may not manage are reported as absent: their existence is not revealed.
    const target =
      staffId === principal.staffId ? { id: staffId, officeIds: [] } : await store.staffById(staffId);
    if (!target || !canManageStaff(principal, target)) throw notFound('staff member');
    const prefs = await store.preferences(staffId);
    if (!prefs) throw notFound('staff member');
    return prefs;
  }
  return {
    get: visible,
    async update(principal, staffId, patch) {
      const before = await visible(principal, staffId);
      const checked = validatePreferences(patch, before);
      if (!checked.ok) throw invalid(checked.problems);
      await store.updatePreferences(principal.staffId, staffId, before, checked.value);
      return checked.value;
    },
  };
}
