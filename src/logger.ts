// Structured JSON logs (pino) on stderr, so stdout stays for results. Secrets never reach a log line.
import pino, { type Logger } from 'pino';

export type { Logger };

/** `destination` defaults to stderr (tests pass a stream that keeps every line). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'kigen' },
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
