// The emails one staff member would get for a date, as the run would plan them: the use case behind
// `kigen preview` (and the HTTP API's). It reads that person's offices only, not the data set.
import { KigenError } from '../config/errors.ts';
import type { NoticeGrouping } from '../domain/notices.ts';
import type { CalendarDate, Notice } from '../domain/types.ts';
import { deliveryKey } from './deliver.ts';
import { planChunks } from './plan.ts';
import type { PlanReader } from './ports.ts';

export interface StaffPreviewPorts {
  reader: PlanReader;
  /** Staff by id or email (case-insensitive); two rows mean the email is ambiguous. */
  findStaff(who: string): Promise<Array<{ id: string; email: string }>>;
  /** The staff member's live offices in the run's data scope. */
  officesOf(staffId: string): Promise<string[]>;
}

export interface PlannedEmail {
  deliveryKey: string;
  notice: Notice;
}

export interface StaffPreview {
  staff: { id: string; email: string };
  /** One in a digest; one per office with per-office grouping; none when nothing is due. */
  emails: PlannedEmail[];
}

export async function previewStaffEmails(
  ports: StaffPreviewPorts,
  options: { who: string; runDate: CalendarDate; grouping: NoticeGrouping; chunkSize: number },
): Promise<StaffPreview> {
  const found = await ports.findStaff(options.who);
  const [staff] = found;
  if (!staff) {
    throw new KigenError('STAFF_NOT_FOUND', `no staff member with id or email "${options.who}"`);
  }
  // An exact match wins over addresses that differ only in case; otherwise two are ambiguous.
  if (found.length > 1 && staff.email !== options.who) {
    throw new KigenError(
      'STAFF_AMBIGUOUS',
      `more than one staff member has the email "${options.who}" (ignoring case); use the staff id`,
    );
  }
  const officeIds = await ports.officesOf(staff.id);
  const emails: PlannedEmail[] = [];
  for await (const chunk of planChunks(ports.reader, {
    runDate: options.runDate,
    chunkSize: options.chunkSize,
    grouping: options.grouping,
    push: false,
    officeIds,
  })) {
    for (const d of chunk.deliveries) {
      if (d.staffId !== staff.id || d.payload.channel !== 'email') continue;
      emails.push({ deliveryKey: deliveryKey(options.runDate, d), notice: d.payload.notice });
    }
  }
  return { staff, emails };
}
