// The database side of `kigen export`: one SELECT per file, in the columns of the import layout
// (src/io/layouts.ts), keyed as import keys them, ordered so that the same data gives the same bytes.
// Live rows only: deleted offices and staff, and what hangs off deleted offices, are left out.
import type { ImportEntity } from './import-store.ts';

const bool = (column: string) => `CASE WHEN ${column} THEN 'true' ELSE 'false' END`;
const OFFICE_KEY = 'coalesce(o.external_id, o.id::text)';

/** A recipient with the key of its office: the office it was imported from, else that of its latest cycle. */
const RECIPIENT_KEYS = `
  SELECT r.*, coalesce(r.external_id, r.id::text) AS rkey, ${OFFICE_KEY} AS okey
    FROM welfare_recipients r
    JOIN offices o ON o.deleted_at IS NULL AND o.id = coalesce(r.office_id,
      (SELECT c.office_id FROM support_plan_cycles c WHERE c.welfare_recipient_id = r.id
        ORDER BY c.is_latest_cycle DESC, c.cycle_number DESC LIMIT 1))`;

/** SELECTs for COPY (…) TO, in the column order of each file's layout. */
export const EXPORT_SELECTS: Record<ImportEntity, string> = {
  offices: `SELECT ${OFFICE_KEY}, o.name, ${bool('o.is_test_data')} FROM offices o
             WHERE o.deleted_at IS NULL ORDER BY ${OFFICE_KEY} COLLATE "C"`,
  staff: `SELECT * FROM (
            SELECT coalesce(s.external_id, s.id::text) AS k, s.email, s.last_name, s.first_name, s.last_name_reading,
                   s.first_name_reading, s.role,
                   (SELECT string_agg(${OFFICE_KEY}, ';' ORDER BY m.is_primary DESC, ${OFFICE_KEY} COLLATE "C")
                      FROM office_staffs m JOIN offices o ON o.id = m.office_id AND o.deleted_at IS NULL
                     WHERE m.staff_id = s.id) AS offices,
                   ${bool('s.email_notification')}, ${bool('s.system_notification')}, ${bool('s.in_app_notification')},
                   s.email_threshold_days, s.push_threshold_days, ${bool('s.is_test_data')}
              FROM staffs s WHERE s.deleted_at IS NULL) x
           WHERE offices IS NOT NULL ORDER BY k COLLATE "C"`,
  recipients: `SELECT okey, rkey, last_name, first_name, last_name_reading, first_name_reading, ${bool('is_test_data')}
                 FROM (${RECIPIENT_KEYS}) r ORDER BY okey COLLATE "C", rkey COLLATE "C"`,
  cycles: `SELECT r.okey, r.rkey, c.cycle_number, to_char(c.next_renewal_deadline, 'YYYY-MM-DD')
             FROM (${RECIPIENT_KEYS}) r JOIN support_plan_cycles c ON c.welfare_recipient_id = r.id
            ORDER BY r.okey COLLATE "C", r.rkey COLLATE "C", c.cycle_number`,
  deliverables: `SELECT DISTINCT r.okey COLLATE "C" AS okey, r.rkey COLLATE "C" AS rkey, c.cycle_number,
                          d.deliverable_type COLLATE "C" AS deliverable_type
                   FROM (${RECIPIENT_KEYS}) r JOIN support_plan_cycles c ON c.welfare_recipient_id = r.id
                   JOIN plan_deliverables d ON d.plan_cycle_id = c.id
                  ORDER BY 1, 2, 3, 4`,
};
