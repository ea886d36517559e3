// Real Chromium for tests: Debian's /usr/bin/chromium driven by playwright-core (no downloaded
// browser). When the binary is missing, browser tests fail loudly in CI (CI=true: .ci/run installs
// it) and are skipped with a visible message elsewhere. Every page opened through `openContext`
// records console errors, uncaught exceptions and CSP violations; `problems()` lists them.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * `describe` for tests that need Chromium. Without the binary: in CI one failing test says what to
 * install; elsewhere the block is skipped and a warning says why.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumInstalled()) {
    describe(name, body);
    return;
  }
  const message = `${CHROMIUM_PATH} not found: install it with \`apt-get install -y --no-install-recommends chromium\` (.ci/run does when run as root)`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`\n⚠ SKIPPED browser tests "${name}": ${message}\n`);
  describe.skip(name, body);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** What went wrong on the pages of a context: console errors, CSP violations, uncaught errors. */
export interface PageProblem {
  kind: 'console-error' | 'csp-violation' | 'page-error';
  text: string;
  url: string;
}

export interface WatchedContext {
  context: BrowserContext;
  /** Everything recorded so far, minus what `allow` matches. */
  problems(allow?: RegExp): PageProblem[];
}

/** A new context whose pages (and service workers) are watched for errors and CSP violations. */
export async function openContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<WatchedContext> {
  const context = await browser.newContext(options);
  const recorded: PageProblem[] = [];
  context.on('console', (message) => {
    const text = message.text();
    const url = message.location().url;
    // Chromium reports CSP violations on the console: "Refused to load …" or, since about 130,
    // "Executing inline script violates the following Content Security Policy directive …".
    if (/Refused to |Content Security Policy/.test(text)) recorded.push({ kind: 'csp-violation', text, url });
    else if (message.type() === 'error') recorded.push({ kind: 'console-error', text, url });
  });
  context.on('weberror', (error) => {
    recorded.push({ kind: 'page-error', text: String(error.error()), url: error.page()?.url() ?? '' });
  });
  return {
    context,
    problems: (allow) => recorded.filter((p) => !allow?.test(p.text)),
  };
}
