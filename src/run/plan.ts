// Planning: walk the offices in keyset chunks and turn each chunk into notices and deliveries.
// Reads per chunk: offices, staff, cycles, push subscriptions — four statements whatever the chunk holds.
import { alertsForCycles, groupAlertsByOffice, RENEWAL_WINDOW_DAYS } from '../domain/alerts.ts';
import { buildNotices, type NoticeGrouping } from '../domain/notices.ts';
import type { Alert, CalendarDate, Office, StaffMember } from '../domain/types.ts';
import type { PlannedDelivery, PlanReader } from './ports.ts';

export interface PlanOptions {
  runDate: CalendarDate;
  chunkSize: number;
  grouping: NoticeGrouping;
  /** Plan push deliveries (false when push is not configured). */
  push: boolean;
  /**
   * Plan only these offices (the alerts command's --office, a staff member's preview): the reads
   * stay proportional to them, not to the data set.
   */
  officeIds?: readonly string[];
  /**
   * Chunks read ahead while the current one is consumed (default 1): the next chunk's statements
   * run while this one is planned. A live run passes 0: its chunks take seconds to send, so reading
   * ahead saves little time there and would hold a second chunk's notices in memory all along.
   */
  readAhead?: number;
}

export interface PlannedChunk {
  offices: Office[];
  /** Alerts of the chunk's own offices, by office id, in display order. */
  alertsByOffice: Map<string, Alert[]>;
  /** Staff planned in this chunk (each staff member is planned in exactly one chunk). */
  staffCount: number;
  deliveries: PlannedDelivery[];
}

/**
 * Yields one planned chunk at a time, so memory is bounded by the chunk size (times 1 +
 * readAhead), not by the data set. A staff member with offices in several chunks belongs to
 * the chunk of their first office (by id): that chunk also reads the alerts of their other offices,
 * so a digest is never split. On PostgreSQL the chunks in flight use separate pooled connections;
 * on PGlite their statements simply queue.
 */
export async function* planChunks(reader: PlanReader, options: PlanOptions): AsyncGenerator<PlannedChunk> {
  const inFlight: Promise<PlannedChunk>[] = [];
  const chunksInFlight = 1 + Math.max(0, options.readAhead ?? 1);
  let afterId: string | null = null;
  let more = true;
  for (;;) {
    // Keyset paging needs only the previous chunk's last id, so the next chunks can start at once.
    while (more && inFlight.length < chunksInFlight) {
      const offices = await reader.officeChunk(afterId, options.chunkSize, options.officeIds);
      const last = offices.at(-1);
      more = offices.length === options.chunkSize;
      if (!last) break;
      afterId = last.id;
      const planned = planChunk(reader, offices, options);
      planned.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      inFlight.push(planned);
    }
    if (inFlight.length === 0) return;
    // No named binding for the chunk: it would keep the chunk reachable while the next ones are read.
    yield await (inFlight.shift() as Promise<PlannedChunk>);
  }
}

/** Plans one chunk of offices (the distributed mode plans each chunk in its own job). */
export async function planChunk(
  reader: PlanReader,
  offices: Office[],
  options: PlanOptions,
): Promise<PlannedChunk> {
  const inChunk = new Set(offices.map((o) => o.id));
  const officeById = new Map(offices.map((o) => [o.id, o]));
  const staffRecords = await reader.staffForOffices([...inChunk]);

  const staff: StaffMember[] = [];
  const foreignOffices = new Set<string>();
  for (const record of staffRecords) {
    const first = record.offices[0];
    if (options.grouping === 'digest') {
      if (!first || !inChunk.has(first.id)) continue; // planned with the chunk of their first office
      for (const office of record.offices) {
        if (!inChunk.has(office.id)) {
          foreignOffices.add(office.id);
          officeById.set(office.id, office);
        }
      }
    }
    const officeIds = record.offices
      .map((o) => o.id)
      .filter((id) => options.grouping === 'digest' || inChunk.has(id));
    staff.push({
      id: record.id,
      email: record.email,
      fullName: record.fullName,
      preferences: record.preferences,
      officeIds,
    });
  }

  const cycles = await reader.latestCycles(
    [...inChunk, ...foreignOffices],
    options.runDate,
    RENEWAL_WINDOW_DAYS,
  );
  const allAlerts = groupAlertsByOffice(alertsForCycles(cycles, options.runDate));
  const alertsByOffice = new Map([...allAlerts].filter(([id]) => inChunk.has(id)));

  const emailNotices = buildNotices({
    staff,
    offices: officeById,
    alertsByOffice: allAlerts,
    channel: 'email',
    grouping: options.grouping,
  });
  const deliveries: PlannedDelivery[] = emailNotices.map((notice) => ({
    staffId: notice.staffId,
    channel: 'email',
    device: '',
    officeKey:
      notice.sections.length === 1 && options.grouping === 'per-office'
        ? (notice.sections[0]?.office.id ?? '')
        : '',
    payload: { channel: 'email', notice },
  }));

  if (options.push) {
    // A push notice names one office (its title and topic), so push is always per office.
    const pushNotices = buildNotices({
      staff,
      offices: officeById,
      alertsByOffice: allAlerts,
      channel: 'push',
      grouping: 'per-office',
    });
    const subscriptions = await reader.pushSubscriptions([...new Set(pushNotices.map((n) => n.staffId))]);
    const byStaff = Map.groupBy(subscriptions, (s) => s.staffId);
    const pushThreshold = new Map(staff.map((s) => [s.id, s.preferences.pushThresholdDays]));
    for (const notice of pushNotices) {
      for (const subscription of byStaff.get(notice.staffId) ?? []) {
        deliveries.push({
          staffId: notice.staffId,
          channel: 'push',
          device: subscription.id,
          officeKey: notice.sections[0]?.office.id ?? '',
          payload: {
            channel: 'push',
            notice,
            subscription,
            pushThresholdDays: pushThreshold.get(notice.staffId) ?? 10,
          },
        });
      }
    }
  }
  return { offices, alertsByOffice, staffCount: staff.length, deliveries };
}
