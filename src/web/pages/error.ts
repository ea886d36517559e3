// The page of a refused or failed page request: not found (also what non-members and non-operators
// see), a stale form (CSRF), or a server error with the request id for the log.

import { html, type SafeHtml } from '../html.ts';
import { WEB_PATHS } from '../paths.ts';
import type { PageContext } from '../view-models.ts';
import { layout } from './layout.ts';

export interface ErrorView {
  status: number;
  /** Shown under the title, e.g. the request id of a server error. */
  detail?: string | undefined;
}

const TITLES: Record<number, string> = {
  400: '入力を確認してください',
  403: 'この操作はできません',
  404: 'ページが見つかりません',
  409: 'ただいま処理中です',
  429: 'しばらくしてからお試しください',
};

const TEXTS: Record<number, string> = {
  400: 'リクエストの内容が正しくありません。入力をやり直してください。',
  403: 'フォームの有効期限が切れたか、権限がありません。ページを読み込み直してからもう一度お試しください。',
  404: 'お探しのページは存在しないか、表示する権限がありません。',
  409: '同じ処理が実行中です。終わってからもう一度お試しください。',
  429: '短い時間に操作が続きました。少し待ってからもう一度お試しください。',
};

export function errorPage(ctx: PageContext, view: ErrorView): SafeHtml {
  const title = TITLES[view.status] ?? 'エラーが発生しました';
  const text = TEXTS[view.status] ?? 'サーバーで問題が起きました。時間をおいてもう一度お試しください。';
  return layout(
    ctx,
    { title },
    html`<section class="card">
<p>${text}</p>
${view.detail ? html`<p class="muted">${view.detail}</p>` : null}
<p><a href="${ctx.user ? WEB_PATHS.home : WEB_PATHS.signIn}">${ctx.user ? 'アラート一覧へ' : 'ログイン画面へ'}</a></p>
</section>`,
  );
}
