// The browser files have no build step, so tsc checks them as they are (JSDoc types) against the
// DOM and service-worker libraries; webAssets() serves them with the right types and caching.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { webAssets } from '../../src/web/assets.ts';
import { STATIC_PATHS } from '../../src/web/static-paths.ts';

describe('browser files', () => {
  it.each(['src/web/static/tsconfig.push.json', 'src/web/static/tsconfig.sw.json'])(
    'type-check with %s',
    (project) => {
      const result = spawnSync('npx', ['tsc', '-p', project], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

describe('webAssets', () => {
  const assets = webAssets();

  it('serves the stylesheet, favicon, push module and service worker, uncached between deploys', () => {
    expect(assets.map((a) => [a.path, a.contentType, a.cacheControl])).toEqual([
      [STATIC_PATHS.css, 'text/css; charset=utf-8', 'no-cache'],
      [STATIC_PATHS.favicon, 'image/svg+xml', 'no-cache'],
      [STATIC_PATHS.pushModule, 'text/javascript; charset=utf-8', 'no-cache'],
      [STATIC_PATHS.serviceWorker, 'text/javascript; charset=utf-8', 'no-cache'],
    ]);
    for (const asset of assets) expect(asset.body.length).toBeGreaterThan(100);
  });

  it('puts the service worker at the root so its scope is the whole site', () => {
    expect(STATIC_PATHS.serviceWorker).toBe('/sw.js');
    const push = assets.find((a) => a.path === STATIC_PATHS.pushModule)?.body.toString('utf8') ?? '';
    expect(push).toContain("const SW_PATH = '/sw.js';");
  });
});
