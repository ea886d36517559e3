// Import keys, furigana readings, and what retention needs.
//
// external_id is the office's own id of a row (事業所番号, 職員番号, 利用者番号 …). Rows made before
// (seed, snapshots) have none: their key is their uuid, so an export of them imports back onto them.
// A recipient's own id is only unique within its office (each office numbers its people), so
// recipients remember the office whose list they came from.
export const statements = [
  `ALTER TABLE offices ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100)`,
  `CREATE UNIQUE INDEX offices_import_key ON offices ((coalesce(external_id, id::text)))`,
  `ALTER TABLE staffs ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100)`,
  `ALTER TABLE staffs ADD COLUMN last_name_reading text CHECK (length(last_name_reading) BETWEEN 1 AND 255)`,
  `ALTER TABLE staffs ADD COLUMN first_name_reading text CHECK (length(first_name_reading) BETWEEN 1 AND 255)`,
  `CREATE UNIQUE INDEX staffs_import_key ON staffs ((coalesce(external_id, id::text)))`,
  `ALTER TABLE welfare_recipients ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 100)`,
  `ALTER TABLE welfare_recipients ADD COLUMN office_id uuid REFERENCES offices (id) ON DELETE CASCADE`,
  `ALTER TABLE welfare_recipients ADD COLUMN last_name_reading text CHECK (length(last_name_reading) BETWEEN 1 AND 255)`,
  `ALTER TABLE welfare_recipients ADD COLUMN first_name_reading text CHECK (length(first_name_reading) BETWEEN 1 AND 255)`,
  `CREATE UNIQUE INDEX welfare_recipients_office_key ON welfare_recipients (office_id, external_id)`,
  // Set once a delivery is final and its run is done: the recipients' names are gone from its payload.
  `ALTER TABLE deliveries ADD COLUMN payload_scrubbed_at timestamptz`,
  `CREATE INDEX deliveries_created_idx ON deliveries (created_at)`,
] as const;
