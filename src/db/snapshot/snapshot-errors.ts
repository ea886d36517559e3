// Typed snapshot errors: a stable code, the snapshot's name, and a message that says what to do next.
import { KigenError } from '../../config/errors.ts';

export const SNAPSHOT_ERROR_CODES = [
  'SNAPSHOT_NAME_INVALID',
  'SNAPSHOT_NOT_FOUND',
  'SNAPSHOT_EXISTS',
  'SNAPSHOT_CORRUPT',
  'SNAPSHOT_SCHEMA_MISMATCH',
  'SNAPSHOT_TARGET_NOT_EMPTY',
  'SNAPSHOT_TABLES_OUTDATED',
  'SNAPSHOT_INVALID_ROWS',
] as const;
export type SnapshotErrorCode = (typeof SNAPSHOT_ERROR_CODES)[number];

export class SnapshotError extends KigenError {
  declare readonly code: SnapshotErrorCode;
  /** The snapshot's name, when the error concerns one. */
  readonly snapshot: string | undefined;
  constructor(
    code: SnapshotErrorCode,
    snapshot: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'SnapshotError';
    this.snapshot = snapshot;
  }
}
