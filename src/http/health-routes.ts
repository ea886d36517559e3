// Liveness (the process answers) and readiness (the database answers and its schema is current).
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from './types.ts';

export function healthRoutes(deps: ServerDeps) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get(
      '/healthz',
      { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Liveness' }, logLevel: 'warn' },
      async () => ({ status: 'ok' }),
    );
    app.get(
      '/readyz',
      {
        config: { access: 'public' },
        schema: { tags: ['health'], summary: 'Readiness: database reachable, migrations current' },
        logLevel: 'warn',
      },
      async (_request, reply) => {
        const problems = await deps.readiness();
        return reply
          .code(problems.length === 0 ? 200 : 503)
          .send({ status: problems.length === 0 ? 'ready' : 'not ready', problems });
      },
    );
    app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
  };
}
