// The frame of every page: head (CSS, CSRF meta, optional push module), header with navigation and
// sign-out, a skip link, the flash message and the footer. No inline script or style anywhere: the
// CSP allows only same-origin files.

import { type HtmlValue, html, raw, type SafeHtml } from '../html.ts';
import { WEB_PATHS } from '../paths.ts';
import { STATIC_PATHS } from '../static-paths.ts';
import type { Flash, PageContext, ViewUser } from '../view-models.ts';

export interface LayoutOptions {
  /** The page's <h1> and the first part of <title>. */
  title: string;
}

interface NavItem {
  href: string;
  label: string;
}

function navItems(user: ViewUser): NavItem[] {
  const items: NavItem[] = [
    { href: WEB_PATHS.home, label: 'アラート' },
    { href: WEB_PATHS.settings, label: '通知設定' },
    { href: WEB_PATHS.devices, label: '端末' },
  ];
  if (user.role === 'app_admin') {
    items.push(
      { href: WEB_PATHS.adminRuns, label: '実行履歴' },
      { href: WEB_PATHS.adminPreview, label: 'メール確認' },
      { href: WEB_PATHS.adminHealth, label: '稼働状況' },
    );
  }
  return items;
}

/** The nav entry whose section contains the current path ('/' only matches itself and /offices/…). */
function isCurrent(href: string, currentPath: string): boolean {
  if (href === WEB_PATHS.home) return currentPath === '/' || currentPath.startsWith('/offices/');
  return currentPath === href || currentPath.startsWith(`${href}/`);
}

/** The hidden `_csrf` field every POST form carries. */
export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
}

function flashHtml(flash: Flash | undefined): SafeHtml | null {
  if (!flash) return null;
  return flash.kind === 'success'
    ? html`<p class="flash flash-success" role="status">${flash.message}</p>`
    : html`<p class="flash flash-error" role="alert">${flash.message}</p>`;
}

function headerHtml(ctx: PageContext): SafeHtml {
  const { user } = ctx;
  if (!user) {
    return html`<header class="site-header"><div class="bar"><span class="brand">${ctx.appName}</span></div></header>`;
  }
  const nav = navItems(user).map(
    (item) =>
      html`<li><a href="${item.href}"${isCurrent(item.href, ctx.currentPath) ? raw(' aria-current="page"') : ''}>${item.label}</a></li>`,
  );
  return html`<header class="site-header">
<div class="bar">
<a class="brand" href="${WEB_PATHS.home}">${ctx.appName}</a>
<span class="who">${user.fullName} さん</span>
<form class="sign-out" method="post" action="${WEB_PATHS.signOut}">${csrfField(ctx)}<button type="submit" class="button-quiet">ログアウト</button></form>
</div>
<nav aria-label="メインメニュー"><ul class="nav">${nav}</ul></nav>
</header>`;
}

/** A whole HTML document. */
export function layout(ctx: PageContext, options: LayoutOptions, body: HtmlValue): SafeHtml {
  return html`${raw('<!DOCTYPE html>')}
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="csrf-token" content="${ctx.csrfToken}">
<title>${options.title} | ${ctx.appName}</title>
<link rel="icon" href="${STATIC_PATHS.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${STATIC_PATHS.css}">
${ctx.user ? html`<script type="module" src="${STATIC_PATHS.pushModule}"></script>` : null}
</head>
<body>
<a class="skip-link" href="#main">本文へ移動</a>
${headerHtml(ctx)}
<main id="main" tabindex="-1">
${flashHtml(ctx.flash)}
<h1>${options.title}</h1>
${body}
</main>
<footer class="site-footer"><p>${ctx.appName}：個別支援計画の期限をお知らせします。</p></footer>
</body>
</html>
`;
}
