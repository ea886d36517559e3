// The email a staff member would get for a date, rendered exactly as the run would send it.
// Only the staff member's own offices are planned, never the whole data set.
import { previewEmail } from '../channels/email/email-channel.ts';
import type { StaffStore } from '../db/staff-store.ts';
import type { NoticeGrouping } from '../domain/notices.ts';
import type { CalendarDate } from '../domain/types.ts';
import type { PlanReader } from '../run/ports.ts';
import { previewStaffEmails } from '../run/staff-preview.ts';
import { notFound } from './service-errors.ts';

export interface EmailPreviewResult {
  staffId: string;
  runDate: CalendarDate;
  /** null when the staff member gets no email that day. */
  email: { from: string; to: string; subject: string; messageId: string; text: string; html: string } | null;
}

export function createPreviewService(deps: {
  reader: PlanReader;
  staff: StaffStore;
  grouping: NoticeGrouping;
  mail: { from: string; appName: string; dashboardUrl: string };
}) {
  return {
    async emailPreview(staffId: string, runDate: CalendarDate): Promise<EmailPreviewResult> {
      const staff = await deps.staff.staffById(staffId);
      if (!staff) throw notFound('staff member');
      // The same use case as `kigen preview`: that person's offices planned together, as the run would.
      const { emails } = await previewStaffEmails(
        { reader: deps.reader, findStaff: async () => [staff], officesOf: async () => [...staff.officeIds] },
        { who: staff.id, runDate, grouping: deps.grouping, chunkSize: Math.max(1, staff.officeIds.length) },
      );
      const first = emails[0];
      if (first) {
        const p = previewEmail({ deliveryKey: first.deliveryKey, runDate, notice: first.notice }, deps.mail);
        return {
          staffId,
          runDate,
          email: {
            from: p.from,
            to: p.to.address,
            subject: p.subject,
            messageId: p.messageId,
            text: p.text,
            html: p.html,
          },
        };
      }
      return { staffId, runDate, email: null };
    },
  };
}
export type PreviewService = ReturnType<typeof createPreviewService>;
