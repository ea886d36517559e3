// The people of an office as a manager sees them (the manager page): each member with their
// preferences and whether the viewer may change them. Employees manage no one: the page is absent.
import { canManageStaff, type Principal } from '../auth/principal.ts';
import type { OfficeMember, OfficeStaffQueries } from '../db/office-staff-queries.ts';
import type { Office } from '../domain/types.ts';
import { notFound } from './service-errors.ts';

export interface ManagedMember extends OfficeMember {
  editable: boolean;
}

export interface OfficeStaffService {
  /** Throws not_found for an office the principal may not manage (or that does not exist). */
  members(principal: Principal, officeId: string): Promise<{ office: Office; members: ManagedMember[] }>;
}

export function createOfficeStaffService(queries: OfficeStaffQueries): OfficeStaffService {
  return {
    async members(principal, officeId) {
      const managesHere =
        principal.role === 'app_admin' ||
        ((principal.role === 'manager' || principal.role === 'owner') &&
          principal.officeIds.includes(officeId));
      if (!managesHere) throw notFound('office');
      const found = await queries.officeMembers(officeId);
      if (!found) throw notFound('office');
      return {
        office: found.office,
        members: found.members.map((m) => ({ ...m, editable: canManageStaff(principal, m) })),
      };
    },
  };
}
