// Every error becomes a JSON answer with a stable code and every problem listed; never a stack trace.
// Unexpected errors are logged with the request id and answered 500 without details.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError } from '../domain/domain-error.ts';
import { ServiceError, type ServiceErrorKind } from '../services/service-errors.ts';

const STATUS: Record<ServiceErrorKind, number> = {
  invalid: 422,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; problems: string[] };
}

export function errorBody(code: string, message: string, problems: string[] = []): ErrorBody {
  return { error: { code, message, problems } };
}

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .send(errorBody('NOT_FOUND', `no such route: ${request.method} ${request.url.split('?')[0]}`)),
  );
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as FastifyError).validationContext ?? 'request';
      const problems = error.validation.map(
        (v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''}: ${v.message}`,
      );
      return reply.code(400).send(errorBody('INVALID_REQUEST', 'the request is not valid', problems));
    }
    if (error instanceof ServiceError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply
        .code(STATUS[error.kind])
        .send(errorBody(error.code, error.message, error.problems.length ? error.problems : [error.message]));
    }
    if (error instanceof DomainError) {
      return reply.code(400).send(errorBody('INVALID_REQUEST', error.message, [error.message]));
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, [error.message]));
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own client errors: bad JSON, body too large, unsupported media type, …
      const code = (error as FastifyError).code ?? 'BAD_REQUEST';
      return reply.code(status).send(errorBody(code, error.message, [error.message]));
    }
    request.log.error(
      { err: { type: error.name, code: (error as FastifyError).code, message: error.message } },
      'request failed',
    );
    return reply
      .code(500)
      .send(errorBody('INTERNAL', `internal error (request ${request.id}); see the server log`));
  });
}
