// Structured JSON logs (pino) on stderr, so stdout stays for results. Secrets never reach a log line.
import pino, { type Logger } from 'pino';
import { maskPersonalData } from './domain/mask.ts';

export type { Logger };

/** `destination` defaults to stderr (tests pass a stream that keeps every line). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'kigen' },
      // Messages and errors are free text that may quote a connection URL or a provider's reply:
      // their secrets and whole addresses are masked (domain/mask.ts) before they are written.
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      serializers: {
        err: (error: unknown) => {
          const out = pino.stdSerializers.err(error as Error);
          if (typeof out.message === 'string') out.message = maskPersonalData(out.message);
          if (typeof out.stack === 'string') out.stack = maskPersonalData(out.stack);
          return out;
        },
      },
      redact: {
        paths: [
          '*.password',
          '*.pass',
          '*.privateKey',
          '*.auth',
          '*.p256dh',
          '*.refreshToken',
          '*.clientSecret',
          'url',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
