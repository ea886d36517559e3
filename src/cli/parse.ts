// Argument parsers for commander: a bad value is a usage error that says what was expected.
import { InvalidArgumentError } from 'commander';
import { isValidEmailAddress } from '../domain/email-address.ts';
import { isUuid } from '../domain/uuid.ts';

/** Digits only: `0x10`, `1e3`, ` 12`, `12.0` and `+5` are refused, not read as numbers. */
const DECIMAL = /^[0-9]+$/;

export function positiveInt(value: string): number {
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${value}"`);
  return n;
}

/** A whole number from 1 to `max` (e.g. seed --offices). */
export function boundedInt(max: number): (value: string) => number {
  return (value) => {
    const n = positiveInt(value);
    if (n > max)
      throw new InvalidArgumentError(`expected at most ${max.toLocaleString('en-US')}, got "${value}"`);
    return n;
  };
}

/** An id: a uuid, checked before it reaches SQL. */
export function uuidArg(value: string): string {
  if (!isUuid(value)) {
    throw new InvalidArgumentError(
      `expected an id (uuid such as 0190a4c2-7e1b-7cc3-9a55-3f1d2b6e8a10), got "${value}"`,
    );
  }
  return value.toLowerCase();
}

/** A staff member: a staff id (uuid) or an e-mail address. */
export function staffArg(value: string): string {
  if (isUuid(value)) return value.toLowerCase();
  if (isValidEmailAddress(value)) return value;
  throw new InvalidArgumentError(`expected an e-mail address or a staff id (uuid), got "${value}"`);
}
