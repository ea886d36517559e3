// The sign-in email of `kigen serve`: a one-time link, sent through kigen's own mail transport
// (SMTP, or an .eml file in the outbox when none is configured).
import { randomBytes } from 'node:crypto';
import { messageIdFor, senderDomain } from './email-channel.ts';
import { escapeHtml, oneLine } from './email-template.ts';
import { createMailTransport, type MailTransportConfig } from './mail-transport.ts';

export interface SignInMail {
  to: { name: string; address: string };
  link: string;
  validMinutes: number;
}

export interface SignInMailer {
  send(mail: SignInMail): Promise<void>;
  close(): Promise<void>;
}

export function renderSignInMail(
  mail: SignInMail,
  appName: string,
): { subject: string; text: string; html: string } {
  const name = oneLine(mail.to.name);
  const subject = `【${oneLine(appName)}】ログイン用リンク`;
  const text =
    `${name} 様\n\n` +
    `次のリンクを開いてログインしてください（${mail.validMinutes}分間、1回だけ有効です）。\n\n` +
    `${mail.link}\n\n` +
    'このメールに心当たりがない場合は、何もせずに削除してください。\n' +
    `このメールは ${oneLine(appName)} から自動で送信されています。\n`;
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<p>${escapeHtml(name)} 様</p>` +
    `<p>次のボタンからログインしてください（${mail.validMinutes}分間、1回だけ有効です）。</p>` +
    `<p><a href="${escapeHtml(mail.link)}" style="display:inline-block;padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px">ログインする</a></p>` +
    `<p style="font-size:12px;color:#555">このメールに心当たりがない場合は、何もせずに削除してください。<br>` +
    `このメールは ${escapeHtml(oneLine(appName))} から自動で送信されています。</p></body></html>`;
  return { subject, text, html };
}

export function createSignInMailer(opts: {
  transport: MailTransportConfig;
  from: string;
  appName: string;
  timeoutMs: number;
}): SignInMailer {
  const domain = senderDomain(opts.from);
  const transport = createMailTransport(
    opts.transport.kind === 'smtp'
      ? { ...opts.transport, connectionTimeoutMs: opts.transport.connectionTimeoutMs ?? opts.timeoutMs }
      : opts.transport,
  );
  return {
    async send(mail) {
      const rendered = renderSignInMail(mail, opts.appName);
      const key = `sign-in:${randomBytes(12).toString('hex')}`;
      await transport.send(
        {
          deliveryKey: key,
          from: opts.from,
          to: { name: oneLine(mail.to.name), address: mail.to.address },
          ...rendered,
          messageId: messageIdFor(key, domain),
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        },
        AbortSignal.timeout(opts.timeoutMs),
      );
    },
    close: () => transport.close(),
  };
}
