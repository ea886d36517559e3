// Where the static assets are served. The service worker sits at the root so that its scope is the
// whole site (a worker at /static/sw.js could only control /static/).

export const STATIC_PATHS = {
  css: '/static/app.css',
  favicon: '/static/favicon.svg',
  pushModule: '/static/push.js',
  serviceWorker: '/sw.js',
} as const;
