// Sign-in by magic link. The "sent" answer is the same whether the address belongs to a staff
// member or not, so the page cannot be used to find out who works where.

import { html, type SafeHtml } from '../html.ts';
import { WEB_PATHS } from '../paths.ts';
import type { PageContext, SignInView } from '../view-models.ts';
import { csrfField, layout } from './layout.ts';

export function signInPage(ctx: PageContext, view: SignInView): SafeHtml {
  if (view.state === 'sent') {
    return layout(
      ctx,
      { title: 'メールを確認してください' },
      html`<section class="card">
<p>入力されたアドレスが登録されていれば、ログイン用のリンクをメールでお送りしました。</p>
<p>メールのリンクを15分以内に開いてください。リンクは1回だけ使えます。</p>
<p class="muted">メールが届かないときは、迷惑メールフォルダを確認するか、少し待ってからもう一度お試しください。</p>
<p><a href="${WEB_PATHS.signIn}">ログイン画面に戻る</a></p>
</section>`,
    );
  }
  const describedBy = view.error ? 'email-hint email-error' : 'email-hint';
  return layout(
    ctx,
    { title: 'ログイン' },
    html`<section class="card narrow">
<p>登録されているメールアドレスを入力してください。ログイン用のリンクをお送りします。パスワードは不要です。</p>
<form method="post" action="${WEB_PATHS.signIn}" class="stack">
${csrfField(ctx)}
<div class="field">
<label for="email">メールアドレス</label>
<input type="email" id="email" name="email" autocomplete="email" inputmode="email" required value="${view.email ?? ''}" aria-describedby="${describedBy}"${view.error ? html` aria-invalid="true"` : ''}>
<p id="email-hint" class="hint">例: yamada@example.jp</p>
${view.error ? html`<p id="email-error" class="field-error">${view.error}</p>` : null}
</div>
<button type="submit" class="button-primary">ログインリンクを送る</button>
</form>
</section>`,
  );
}
