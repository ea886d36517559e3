// Sign-in for `kigen serve`: one-time magic-link tokens, server-side sessions and per-staff API tokens.
// Only SHA-256 hashes of the secrets are stored (hex): a copy of the database does not let anyone in.
export const statements = [
  `CREATE TABLE sign_in_tokens (
    token_hash text PRIMARY KEY,
    staff_id uuid NOT NULL REFERENCES staffs (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX sign_in_tokens_expiry_idx ON sign_in_tokens (expires_at)`,
  `CREATE TABLE sessions (
    id_hash text PRIMARY KEY,
    staff_id uuid NOT NULL REFERENCES staffs (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX sessions_staff_idx ON sessions (staff_id)`,
  `CREATE TABLE api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    staff_id uuid NOT NULL REFERENCES staffs (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX api_tokens_staff_idx ON api_tokens (staff_id)`,
] as const;
