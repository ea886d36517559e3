// The schema of product.md, with the constraints the original lacked, and the run's own tables.
export const statements = [
  `CREATE TABLE offices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    is_test_data boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX offices_live_idx ON offices (is_test_data, id) WHERE deleted_at IS NULL`,
  `CREATE TABLE staffs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL UNIQUE,
    last_name text NOT NULL,
    first_name text NOT NULL,
    full_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('employee', 'manager', 'owner', 'app_admin')),
    is_test_data boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    email_notification boolean NOT NULL DEFAULT true,
    system_notification boolean NOT NULL DEFAULT false,
    in_app_notification boolean NOT NULL DEFAULT true,
    email_threshold_days integer NOT NULL DEFAULT 30 CHECK (email_threshold_days IN (5, 10, 20, 30)),
    push_threshold_days integer NOT NULL DEFAULT 10 CHECK (push_threshold_days IN (5, 10, 20, 30)),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staffs_one_channel_on CHECK (email_notification OR system_notification OR in_app_notification)
  )`,
  `CREATE TABLE office_staffs (
    staff_id uuid NOT NULL REFERENCES staffs (id) ON DELETE CASCADE,
    office_id uuid NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    is_primary boolean NOT NULL DEFAULT false,
    PRIMARY KEY (office_id, staff_id)
  )`,
  `CREATE INDEX office_staffs_staff_idx ON office_staffs (staff_id, office_id)`,
  `CREATE TABLE welfare_recipients (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    last_name text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 255),
    first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 255),
    is_test_data boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE support_plan_cycles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    welfare_recipient_id uuid NOT NULL REFERENCES welfare_recipients (id) ON DELETE CASCADE,
    office_id uuid NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    cycle_number integer NOT NULL CHECK (cycle_number >= 1),
    next_renewal_deadline date,
    is_latest_cycle boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (welfare_recipient_id, cycle_number)
  )`,
  // Exactly one latest cycle per recipient (the original did not enforce it).
  `CREATE UNIQUE INDEX support_plan_cycles_one_latest ON support_plan_cycles (welfare_recipient_id) WHERE is_latest_cycle`,
  `CREATE INDEX support_plan_cycles_latest_by_office ON support_plan_cycles (office_id, next_renewal_deadline) WHERE is_latest_cycle`,
  `CREATE TABLE plan_deliverables (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_cycle_id uuid NOT NULL REFERENCES support_plan_cycles (id) ON DELETE CASCADE,
    deliverable_type text NOT NULL CHECK (deliverable_type IN
      ('assessment_sheet', 'draft_plan_pdf', 'staff_meeting_minutes', 'final_plan_signed_pdf', 'monitoring_report_pdf')),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX plan_deliverables_cycle_type ON plan_deliverables (plan_cycle_id, deliverable_type)`,
  `CREATE TABLE push_subscriptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    staff_id uuid NOT NULL REFERENCES staffs (id) ON DELETE CASCADE,
    endpoint text NOT NULL UNIQUE CHECK (length(endpoint) <= 2048),
    p256dh_key text NOT NULL,
    auth_key text NOT NULL,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX push_subscriptions_staff_idx ON push_subscriptions (staff_id)`,
  `CREATE TABLE audit_logs (
    id bigserial PRIMARY KEY,
    actor_id uuid,
    action text NOT NULL,
    target_type text,
    target_id text,
    office_id uuid,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX audit_logs_created_idx ON audit_logs (created_at)`,
  // One row per (date, data scope): the claim that makes a run happen once.
  `CREATE TABLE runs (
    id bigserial PRIMARY KEY,
    run_date date NOT NULL,
    scope text NOT NULL CHECK (scope IN ('production', 'test')),
    status text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'skipped', 'interrupted')),
    skip_reason text,
    attempts integer NOT NULL DEFAULT 1,
    owner text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    summary jsonb,
    UNIQUE (run_date, scope)
  )`,
  // One row per (date, staff, channel, device[, office]): a message is sent at most once.
  `CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    run_date date NOT NULL,
    staff_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'push')),
    device text NOT NULL DEFAULT '',
    office_key text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts integer NOT NULL DEFAULT 0,
    error_kind text,
    error_code text,
    error_reason text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_date, staff_id, channel, device, office_key)
  )`,
  `CREATE INDEX deliveries_run_status_idx ON deliveries (run_id, status, id)`,
] as const;
