// Indexes that let the plan's chunk reads answer from index pages instead of scattered table rows.
// Rows of one office are spread over the whole table (ids are random), so at 50,000 offices each
// 1,000-office chunk touched ~14,000 heap pages of support_plan_cycles and probed a 343 MB index of
// every deliverable. Measured on a dry run of 50,000 offices on PostgreSQL (BENCHMARKS.md, P7):
// PostgreSQL's CPU went from 104 to 82 s with the first two; the third took the staff statement of
// a chunk not yet in PostgreSQL's buffers from ~400 ms to ~280-370 ms (psql, a few chunks).
export const statements = [
  // The latest cycles of an office, with what the plan reads, as an index-only scan.
  `DROP INDEX support_plan_cycles_latest_by_office`,
  `CREATE INDEX support_plan_cycles_latest_by_office ON support_plan_cycles (office_id, next_renewal_deadline)
     INCLUDE (id, welfare_recipient_id) WHERE is_latest_cycle`,
  // "Has an assessment sheet": a small index of those rows only, instead of all deliverables.
  `CREATE INDEX plan_deliverables_assessment ON plan_deliverables (plan_cycle_id) WHERE deliverable_type = 'assessment_sheet'`,
  // A staff member's name, address and preferences by id, without visiting the table.
  `CREATE INDEX staffs_plan_fields ON staffs (id) INCLUDE (email, full_name, email_notification, system_notification,
     in_app_notification, email_threshold_days, push_threshold_days, deleted_at, is_test_data)`,
] as const;
