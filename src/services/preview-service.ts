// The email a staff member would get for a date, rendered exactly as the run would send it.
// Only the staff member's own offices are planned, never the whole data set.
import { previewEmail } from '../channels/email/email-channel.ts';
import type { StaffStore } from '../db/staff-store.ts';
import type { NoticeGrouping } from '../domain/notices.ts';
import type { CalendarDate } from '../domain/types.ts';
import { deliveryKey } from '../run/deliver.ts';
import { planChunks } from '../run/plan.ts';
import type { PlanReader } from '../run/ports.ts';
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
      // A digest is planned with the staff member's first office (by id) in the data scope.
      for (const officeId of staff.officeIds) {
        for await (const chunk of planChunks(deps.reader, {
          runDate,
          chunkSize: 1,
          grouping: deps.grouping,
          push: false,
          officeId,
          readAhead: 0,
        })) {
          const delivery = chunk.deliveries.find((d) => d.staffId === staff.id && d.channel === 'email');
          if (!delivery) continue;
          const p = previewEmail(
            { deliveryKey: deliveryKey(runDate, delivery), runDate, notice: delivery.payload.notice },
            deps.mail,
          );
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
      }
      return { staffId, runDate, email: null };
    },
  };
}
export type PreviewService = ReturnType<typeof createPreviewService>;
