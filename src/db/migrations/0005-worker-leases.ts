// Distributed mode (kigen worker): the ledger decides who may send a delivery.
// - lease_owner / lease_until: a worker's claim on a pending row (owner = pg-boss job id and attempt).
//   A row is claimable when its lease is free or expired; outcome writes are fenced by the owner.
// - sender: the sender account that claimed (and sent) an email, for the per-account daily quota.
// - The partial index answers "emails sent in the last 24 h" for the quota without scanning the ledger.
export const statements = [
  `ALTER TABLE deliveries ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz, ADD COLUMN sender text`,
  `CREATE INDEX deliveries_email_sent_at ON deliveries (sent_at) WHERE channel = 'email' AND status = 'sent'`,
  // Emails claimed but not yet recorded count against their sender's quota too.
  `CREATE INDEX deliveries_leased_by_sender ON deliveries (sender) WHERE status = 'pending' AND lease_until IS NOT NULL`,
] as const;
