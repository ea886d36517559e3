import { describe, expect, it } from 'vitest';
import { html, isSafeHtml, raw, safeUrl, toHtmlString } from '../../src/web/html.ts';

const HOSTILE = `<script>alert(1)</script>"&'`;

describe('html tagged template', () => {
  it.each([
    ['a script tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['quotes that would end an attribute', `" onfocus="x' '`, '&quot; onfocus=&quot;x&#39; &#39;'],
    ['an ampersand entity', '&amp;', '&amp;amp;'],
    ['an image with onerror', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['a closing tag for the container', '</td></tr></table>', '&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;'],
    ['Japanese text unchanged', '佐藤 花子', '佐藤 花子'],
    ['a number', 42, '42'],
    ['true', true, 'true'],
    ['false renders nothing', false, ''],
    ['null renders nothing', null, ''],
    ['undefined renders nothing', undefined, ''],
  ])('escapes %s', (_label, value, expected) => {
    expect(toHtmlString(html`<p>${value}</p>`)).toBe(`<p>${expected}</p>`);
  });

  it('escapes a hostile value inside a quoted attribute so it cannot leave the attribute', () => {
    const out = toHtmlString(html`<input value="${HOSTILE}">`);
    expect(out).toBe('<input value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;">');
    expect(out.match(/"/g)).toHaveLength(2);
  });

  it('keeps nested SafeHtml as it is (no double escaping)', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(toHtmlString(html`<p>${inner}</p>`)).toBe('<p><b>a&amp;b</b></p>');
  });

  it('joins arrays without a separator, escaping strings and keeping SafeHtml, at any depth', () => {
    const items = ['<1>', html`<i>2</i>`, ['3', [null, '&']]];
    expect(toHtmlString(html`<ul>${items}</ul>`)).toBe('<ul>&lt;1&gt;<i>2</i>3&amp;</ul>');
  });

  it('does not treat a look-alike object as SafeHtml', () => {
    const fake = { value: '<script>x</script>', toString: () => '<script>x</script>' };
    expect(isSafeHtml(fake)).toBe(false);
    // @ts-expect-error: a plain object is not an HtmlValue
    expect(toHtmlString(html`${fake}`)).toBe('&lt;script&gt;x&lt;/script&gt;');
  });

  it('raw passes a trusted constant through unchanged', () => {
    expect(toHtmlString(html`${raw('<!DOCTYPE html>')}<p>${'<'}</p>`)).toBe('<!DOCTYPE html><p>&lt;</p>');
  });

  it('toString gives the same text', () => {
    expect(String(html`<p>${'<'}</p>`)).toBe('<p>&lt;</p>');
  });
});

describe('safeUrl', () => {
  it.each([
    ['/offices/1?date=2026-12-01', '/offices/1?date=2026-12-01'],
    ['https://example.jp/x', 'https://example.jp/x'],
    ['http://localhost:3000/', 'http://localhost:3000/'],
    ['javascript:alert(1)', '#'],
    [' javascript:alert(1)', '#'],
    ['data:text/html,<script>', '#'],
    ['//evil.example/', '#'],
    ['/\\evil.example/', '#'],
    ['relative/path', '#'],
  ])('%s → %s', (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });
});
