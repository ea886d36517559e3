// The web pages plugin of `kigen serve`: the static assets (sw.js at the root, its scope the whole
// site), the staff pages and the operator pages, all under the site CSP, with an HTML error page.
import type { FastifyInstance } from 'fastify';
import { STATIC_PATHS, webAssets } from '../../web/index.ts';
import type { CookiePolicy } from '../session-cookie.ts';
import type { ServerDeps } from '../types.ts';
import { adminPages } from './admin-pages.ts';
import { installPageErrorHandler } from './page-support.ts';
import { staffPages } from './staff-pages.ts';

export function webPages(deps: ServerDeps, cookie: CookiePolicy) {
  const assets = webAssets();
  return async function register(app: FastifyInstance): Promise<void> {
    installPageErrorHandler(app, deps.web.appName);
    for (const asset of assets) {
      app.get(asset.path, { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
        reply.header('cache-control', asset.cacheControl).type(asset.contentType).send(asset.body),
      );
    }
    // Browsers ask for /favicon.ico on their own (e.g. on a JSON answer): the same icon.
    const favicon = assets.find((a) => a.path === STATIC_PATHS.favicon);
    if (favicon) {
      app.get(
        '/favicon.ico',
        { config: { access: 'public' }, schema: { hide: true } },
        async (_request, reply) =>
          reply.header('cache-control', favicon.cacheControl).type(favicon.contentType).send(favicon.body),
      );
    }
    await app.register(staffPages(deps, cookie));
    await app.register(adminPages(deps));
  };
}
