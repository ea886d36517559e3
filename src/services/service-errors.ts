// Errors of the use cases below the doors (HTTP, CLI, queue). Each has a stable code and a kind that
// a door maps to its own answer (an HTTP status, an exit code); messages say what to do next.
import { KigenError } from '../config/errors.ts';

export const SERVICE_ERROR_KINDS = [
  'invalid',
  'not_found',
  'forbidden',
  'conflict',
  'rate_limited',
  'unavailable',
] as const;
export type ServiceErrorKind = (typeof SERVICE_ERROR_KINDS)[number];

export class ServiceError extends KigenError {
  readonly kind: ServiceErrorKind;
  /** Every problem with the input, for `invalid`. */
  readonly problems: string[];
  /** Seconds until a rate-limited caller may try again. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    kind: ServiceErrorKind,
    code: string,
    message: string,
    extra: { problems?: string[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(code, message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ServiceError';
    this.kind = kind;
    this.problems = extra.problems ?? [];
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export const notFound = (what: string): ServiceError =>
  new ServiceError('not_found', 'NOT_FOUND', `${what} not found`);

export const invalid = (problems: string[]): ServiceError =>
  new ServiceError('invalid', 'INVALID_INPUT', `invalid input: ${problems.join('; ')}`, { problems });
