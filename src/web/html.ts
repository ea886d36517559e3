// Server-rendered HTML without a template engine: the `html` tagged template escapes every
// interpolated value, so page code cannot forget to. Only values that are already SafeHtml (the
// result of another `html`, or `raw` on a trusted constant) pass through unchanged.

import { escapeHtml } from '../channels/email/email-template.ts';

const SAFE_HTML: unique symbol = Symbol('SafeHtml');

/** HTML text known to be safe to send: built by `html`, or `raw` on a constant. */
export interface SafeHtml {
  readonly [SAFE_HTML]: true;
  readonly value: string;
  toString(): string;
}

/** What a template may interpolate; null, undefined and false render as nothing (for `cond && html\`…\``). */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function safe(value: string): SafeHtml {
  return {
    [SAFE_HTML]: true,
    value,
    toString() {
      return value;
    },
  };
}

export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as Partial<SafeHtml>)[SAFE_HTML] === true;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafeHtml(value)) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value as readonly HtmlValue[]) out += render(item);
    return out;
  }
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html\`<p>${name}</p>\`` escapes `name` (& < > " ' → entities), so values are
 * safe in element content and in quoted attribute values. Nested SafeHtml is kept as is, arrays are
 * joined without a separator, and null / undefined / false render as the empty string (true renders
 * "true"). Attribute values must be quoted in the template; URLs in href/src must still be checked by
 * the caller (escaping does not stop `javascript:`; see `safeUrl`).
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]);
    out += strings[i + 1] ?? '';
  }
  return safe(out);
}

/** Marks a trusted constant (never user or database text) as HTML, e.g. `raw('<!DOCTYPE html>')`. */
export function raw(trustedConstant: string): SafeHtml {
  return safe(trustedConstant);
}

/** A path inside the site ('/…', not '//…') or an http(s) URL; anything else becomes '#'. */
export function safeUrl(url: string): string {
  if (/^\/(?![/\\])/.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url;
  return '#';
}

/** The final document text of a page. */
export function toHtmlString(value: SafeHtml): string {
  return value.value;
}
