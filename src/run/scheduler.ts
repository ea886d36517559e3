// The daily trigger of `kigen schedule`: a cron expression evaluated in the offices' time zone.
// Running on several machines at once is safe: the run's claim lets one of them work on a date.
import { Cron } from 'croner';

export interface Schedule {
  nextRun(): Date | null;
  stop(): void;
}

/** Calls `tick` at every match of `cron` in `timeZone`; a tick that is still running is not started twice. */
export function startSchedule(cron: string, timeZone: string, tick: () => Promise<void>): Schedule {
  const job = new Cron(cron, { timezone: timeZone, protect: true, catch: true }, tick);
  return {
    nextRun: () => job.nextRun(),
    stop: () => job.stop(),
  };
}

/** Throws a message that says what is wrong with a cron expression. */
export function checkCron(cron: string, timeZone: string): string | null {
  try {
    const job = new Cron(cron, { timezone: timeZone, paused: true });
    job.stop();
    return null;
  } catch (error) {
    return `KIGEN_SCHEDULE_CRON: ${(error as Error).message} (e.g. "0 9 * * *" for 09:00 every day)`;
  }
}
