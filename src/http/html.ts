// The few HTML pages of sign-in (the web pages proper come later, as another plugin). No inline
// script or style: they render under the strict CSP.
// The email template's escaping: a pure function, the same rules for mail and pages.
import { escapeHtml } from '../channels/email/email-template.ts';

export { escapeHtml };

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;
}

/** What went wrong with a form post, shown above the form again (role=alert: read out by screen readers). */
function problemList(problems: readonly string[]): string {
  if (problems.length === 0) return '';
  return `<div role="alert"><p>入力内容を確認してください。</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`;
}

/** The sign-in form; after a refused post, again with the address typed and the problems. */
export function signInPage(again: { email?: string; problems?: readonly string[] } = {}): string {
  return page(
    'ログイン',
    `<h1>ログイン</h1>${problemList(again.problems ?? [])}<form method="post" action="/auth/sign-in"><label>メールアドレス <input type="email" name="email" required autocomplete="email" value="${escapeHtml(again.email ?? '')}"></label> <button type="submit">ログイン用リンクを送る</button></form>`,
  );
}

/** A sign-in link that cannot be used (invalid, expired, used): why, and the way to a new one. */
export function linkRefusedPage(problems: readonly string[]): string {
  return page(
    'ログインできませんでした',
    `<h1>ログインできませんでした</h1>${problemList(problems)}<p><a href="/auth/sign-in">ログイン用リンクをもう一度送る</a></p>`,
  );
}

export function linkSentPage(): string {
  return page(
    'メールを確認してください',
    '<h1>メールを確認してください</h1><p>登録されているアドレスであれば、ログイン用のリンクを送りました（15分間有効）。</p>',
  );
}

export function verifyPage(token: string): string {
  return page(
    'ログイン',
    `<h1>ログイン</h1><form method="post" action="/auth/verify"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">ログインする</button></form>`,
  );
}
