// One office's alerts for a date, computed exactly as the daily run computes them (the same reads
// and the same domain rules), at the cost of that office only: one statement when the reader offers
// officeWithLatestCycles (the database's reader does), two otherwise.
import { alertsForCycles, groupAlertsByOffice, RENEWAL_WINDOW_DAYS } from '../domain/alerts.ts';
import type { Alert, CalendarDate, LatestCycle, Office } from '../domain/types.ts';
import type { PlanReader } from './ports.ts';

/** The office (live, in the reader's data scope) and its alerts in display order; null when there is no such office. */
export async function officeAlerts(
  reader: PlanReader,
  officeId: string,
  runDate: CalendarDate,
): Promise<{ office: Office; alerts: Alert[] } | null> {
  const found = reader.officeWithLatestCycles
    ? await reader.officeWithLatestCycles(officeId, runDate, RENEWAL_WINDOW_DAYS)
    : await officeThenCycles(reader, officeId, runDate);
  if (!found) return null;
  const { office, cycles } = found;
  const alerts = groupAlertsByOffice(alertsForCycles(cycles, runDate)).get(office.id) ?? [];
  return { office, alerts };
}

async function officeThenCycles(
  reader: PlanReader,
  officeId: string,
  runDate: CalendarDate,
): Promise<{ office: Office; cycles: LatestCycle[] } | null> {
  const [office] = await reader.officeChunk(null, 1, [officeId]);
  if (!office) return null;
  return { office, cycles: await reader.latestCycles([office.id], runDate, RENEWAL_WINDOW_DAYS) };
}
