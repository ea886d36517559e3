// Composition for the distributed mode: one email channel per sender account, plus the push channel.

import { createChannels } from './app.ts';
import type { Channel, EmailMessage } from './channels/channel.ts';
import { createEmailChannel } from './channels/email/email-channel.ts';
import type { Config } from './config/config.ts';
import { ConfigError } from './config/errors.ts';
import type { DeliveryChannels } from './run/deliver.ts';

export interface SenderChannels {
  /** Email channel of each sender account, by name. */
  email: Map<string, Channel<EmailMessage>>;
  push: DeliveryChannels['push'];
  pushOffReason?: string;
  close(): Promise<void>;
}

export function createSenderChannels(config: Readonly<Config>): SenderChannels {
  const base = createChannels(config);
  const email = new Map<string, Channel<EmailMessage>>();
  for (const s of config.senders) {
    try {
      email.set(
        s.name,
        createEmailChannel({
          transport:
            s.transport.kind === 'outbox'
              ? { kind: 'outbox', dir: s.transport.dir }
              : {
                  kind: 'smtp',
                  url: s.transport.url,
                  pool: s.transport.pool,
                  ...(s.transport.oauth2 ? { auth: { type: 'oauth2' as const, ...s.transport.oauth2 } } : {}),
                },
          from: s.from,
          appName: config.mail.appName,
          dashboardUrl: config.mail.dashboardUrl,
          timeoutMs: config.delivery.timeoutMs,
        }),
      );
    } catch (error) {
      throw new ConfigError([`KIGEN_SENDERS (${s.name}): ${(error as Error).message}`]);
    }
  }
  return {
    email,
    push: base.channels.push,
    ...(base.pushOffReason ? { pushOffReason: base.pushOffReason } : {}),
    async close() {
      for (const c of email.values()) await c.close();
      await base.channels.email.close();
      await base.channels.push?.close();
    },
  };
}
