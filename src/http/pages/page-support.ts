// What every page route shares: the PageContext from the request, the HTML answer, and the error
// handler of the pages plugin (no session → redirect to sign-in; refused or missing → an HTML 404).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Principal } from '../../auth/principal.ts';
import { ServiceError } from '../../services/service-errors.ts';
import {
  errorPage,
  type Flash,
  type PageContext,
  type SafeHtml,
  toHtmlString,
  WEB_PATHS,
} from '../../web/index.ts';
import { HttpError } from '../errors.ts';

export function pageContext(request: FastifyRequest, appName: string, flash?: Flash): PageContext {
  const p = request.principal;
  return {
    appName,
    user: p ? { staffId: p.staffId, fullName: p.fullName, role: p.role } : null,
    csrfToken: request.csrfToken ?? '',
    currentPath: request.url.split('?')[0] ?? '/',
    flash,
  };
}

export function sendPage(reply: FastifyReply, status: number, page: SafeHtml): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(toHtmlString(page));
}

/** POST → redirect → GET. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}

/** The auth hooks guarantee a principal on staff routes; this narrows the type. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError(401, 'SIGN_IN_REQUIRED', 'sign in first');
  return request.principal;
}

/** The status a page answers for an error: refusals of office and operator pages are "not found". */
function pageStatus(error: FastifyError | Error): number {
  if (error instanceof HttpError)
    return error.statusCode === 403 && error.code === 'FORBIDDEN' ? 404 : error.statusCode;
  if (error instanceof ServiceError) {
    const byKind = {
      invalid: 400,
      not_found: 404,
      forbidden: 404,
      conflict: 409,
      rate_limited: 429,
      unavailable: 503,
    };
    return byKind[error.kind];
  }
  if (hasZodFastifySchemaValidationErrors(error)) return 400;
  const status = (error as FastifyError).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

export function installPageErrorHandler(app: FastifyInstance, appName: string): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const status = pageStatus(error);
    if (status === 401) return redirect(reply, WEB_PATHS.signIn);
    if (status >= 500) {
      request.log.error(
        { err: { type: error.name, code: (error as FastifyError).code, message: error.message } },
        'page failed',
      );
    }
    const detail = status >= 500 ? `request ${request.id}` : undefined;
    return sendPage(reply, status, errorPage(pageContext(request, appName), { status, detail }));
  });
}
