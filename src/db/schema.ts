// Table types for Kysely. Column names are the database's (snake_case); dates are 'YYYY-MM-DD' strings.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface OfficesTable {
  id: string;
  name: string;
  is_test_data: Generated<boolean>;
  deleted_at: Date | null;
  created_at: Generated<Date>;
  /** The office's own id (import key); null for rows not imported. */
  external_id: string | null;
}

export interface StaffsTable {
  id: string;
  email: string;
  last_name: string;
  first_name: string;
  full_name: string;
  role: string;
  is_test_data: Generated<boolean>;
  deleted_at: Date | null;
  email_notification: Generated<boolean>;
  system_notification: Generated<boolean>;
  in_app_notification: Generated<boolean>;
  email_threshold_days: Generated<number>;
  push_threshold_days: Generated<number>;
  created_at: Generated<Date>;
  external_id: string | null;
  /** Furigana, normalised to katakana. */
  last_name_reading: string | null;
  first_name_reading: string | null;
}

export interface OfficeStaffsTable {
  staff_id: string;
  office_id: string;
  is_primary: Generated<boolean>;
}

export interface WelfareRecipientsTable {
  id: string;
  last_name: string;
  first_name: string;
  is_test_data: Generated<boolean>;
  created_at: Generated<Date>;
  external_id: string | null;
  /** The office whose list the recipient was imported from (its external_id is unique there). */
  office_id: string | null;
  last_name_reading: string | null;
  first_name_reading: string | null;
}

export interface SupportPlanCyclesTable {
  id: string;
  welfare_recipient_id: string;
  office_id: string;
  cycle_number: number;
  next_renewal_deadline: string | null;
  is_latest_cycle: boolean;
  created_at: Generated<Date>;
}

export interface PlanDeliverablesTable {
  id: string;
  plan_cycle_id: string;
  deliverable_type: string;
  created_at: Generated<Date>;
}

export interface PushSubscriptionsTable {
  id: string;
  staff_id: string;
  endpoint: string;
  p256dh_key: string;
  auth_key: string;
  user_agent: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AuditLogsTable {
  id: Generated<string>;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  office_id: string | null;
  details: Json;
  created_at: Generated<Date>;
}

export interface RunsTable {
  id: Generated<string>;
  run_date: string;
  scope: string;
  status: string;
  skip_reason: string | null;
  attempts: Generated<number>;
  owner: string | null;
  started_at: Timestamp;
  finished_at: Date | null;
  summary: Json | null;
}

export interface DeliveriesTable {
  id: Generated<string>;
  run_id: string;
  run_date: string;
  staff_id: string;
  channel: string;
  /** '' for email; the push subscription id for push. */
  device: string;
  /** '' for a digest; the office id when the notice covers one office. */
  office_key: string;
  status: Generated<string>;
  attempts: Generated<number>;
  error_kind: string | null;
  error_code: string | null;
  error_reason: string | null;
  next_attempt_at: Timestamp;
  sent_at: Date | null;
  payload: Json;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Distributed mode (0005): who holds the row, until when, and which sender account sent it. */
  lease_owner: string | null;
  lease_until: Date | null;
  sender: string | null;
  /** When the recipients' names were removed from the payload (retention). */
  payload_scrubbed_at: Date | null;
}

export interface SignInTokensTable {
  token_hash: string;
  staff_id: string;
  expires_at: Timestamp;
  used_at: Date | null;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  staff_id: string;
  expires_at: Timestamp;
  user_agent: string | null;
  created_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  staff_id: string;
  name: string;
  token_hash: string;
  created_at: Generated<Date>;
}

export interface Database {
  offices: OfficesTable;
  staffs: StaffsTable;
  office_staffs: OfficeStaffsTable;
  welfare_recipients: WelfareRecipientsTable;
  support_plan_cycles: SupportPlanCyclesTable;
  plan_deliverables: PlanDeliverablesTable;
  push_subscriptions: PushSubscriptionsTable;
  audit_logs: AuditLogsTable;
  runs: RunsTable;
  deliveries: DeliveriesTable;
  sign_in_tokens: SignInTokensTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
}
