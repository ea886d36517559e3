// A staff member's role (employee, manager, owner, app_admin): the one use case that changes it, for
// every door. The first app_admin of a fresh install can only come from the command line (nobody can
// sign in as app_admin yet): there the actor is the operator, who already holds the database.
import { isAppAdmin, type Principal } from '../auth/principal.ts';
import type { StaffStore, StaffSummary } from '../db/staff-store.ts';
import { STAFF_ROLES, type StaffRole } from '../domain/types.ts';
import { invalid, ServiceError } from './service-errors.ts';

export interface RoleChange {
  staff: StaffSummary;
  before: StaffRole;
  after: StaffRole;
  /** false when the staff member already had the role: nothing was written. */
  changed: boolean;
}

export interface StaffRoleService {
  /**
   * Gives a live staff member (id or address) a role and writes an audit row (before → after).
   * `actor` is the signed-in app_admin, or { operator: true } for the command line.
   */
  setRole(actor: Principal | { operator: true }, staff: string, role: string): Promise<RoleChange>;
}

const isRole = (role: string): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);

export function createStaffRoleService(store: StaffStore): StaffRoleService {
  return {
    async setRole(actor, who, role) {
      const principal = 'operator' in actor ? null : actor;
      if (principal && !isAppAdmin(principal)) {
        throw new ServiceError('forbidden', 'FORBIDDEN', 'only an app_admin may change a role');
      }
      if (!isRole(role)) throw invalid([`role: must be one of ${STAFF_ROLES.join(', ')}, got "${role}"`]);
      const staff = await store.staffByIdOrEmail(who);
      if (!staff) {
        throw new ServiceError(
          'not_found',
          'STAFF_NOT_FOUND',
          `no live staff member "${who}" (give their e-mail address or staff id)`,
        );
      }
      if (staff.role === role) return { staff, before: staff.role, after: role, changed: false };
      const done = await store.updateRole(
        principal?.staffId ?? null,
        staff.id,
        staff.role,
        role,
        principal ? 'api' : 'cli',
      );
      if (!done) {
        throw new ServiceError(
          'conflict',
          'ROLE_CHANGED_MEANWHILE',
          `the role of "${who}" changed while this ran; look again and retry`,
        );
      }
      return { staff: { ...staff, role }, before: staff.role, after: role, changed: true };
    },
  };
}
