// The Content-Security-Policy the pages are written for (research 2.3, helmet's defaults plus
// worker-src): same-origin files only, no inline script or style, no plugins, no foreign framing.
// The HTTP layer's helmet configuration must be at least this strict; the browser tests serve it.

export const PAGE_CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'worker-src': ["'self'"],
  'img-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
} as const;

/** The header value: `default-src 'self'; script-src 'self'; …`. */
export function pageCspHeader(): string {
  return Object.entries(PAGE_CSP_DIRECTIVES)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
