// Ids are uuids: checked before they reach SQL, so a typo is a usage error and not a database error.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a uuid in its canonical text form (any version, either case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
