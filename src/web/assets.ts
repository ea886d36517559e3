// The static files of the pages, for the HTTP layer to serve as they are (no build step).

import { readFileSync } from 'node:fs';
import { STATIC_PATHS } from './static-paths.ts';

export interface WebAsset {
  /** The URL path to serve it at. */
  path: string;
  contentType: string;
  /** Cache-Control to send: the service worker must be revalidated on every load so updates reach users. */
  cacheControl: string;
  body: Buffer;
}

const FILES = [
  { path: STATIC_PATHS.css, file: 'app.css', contentType: 'text/css; charset=utf-8' },
  { path: STATIC_PATHS.favicon, file: 'favicon.svg', contentType: 'image/svg+xml' },
  { path: STATIC_PATHS.pushModule, file: 'push.js', contentType: 'text/javascript; charset=utf-8' },
  { path: STATIC_PATHS.serviceWorker, file: 'sw.js', contentType: 'text/javascript; charset=utf-8' },
] as const;

/**
 * Every asset with its body, read from src/web/static when called (call it once at start-up).
 * All are `no-cache` (revalidate each time): they are small, and a stale push.js or sw.js would
 * talk to an API that has moved on.
 */
export function webAssets(): WebAsset[] {
  return FILES.map(({ path, file, contentType }) => ({
    path,
    contentType,
    cacheControl: 'no-cache',
    body: readFileSync(new URL(`./static/${file}`, import.meta.url)),
  }));
}
