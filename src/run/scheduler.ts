// The daily trigger of `kigen schedule`: a cron expression evaluated in the offices' time zone.
// Running on several machines at once is safe: the run's claim lets one of them work on a date.
import { Cron } from 'croner';
import { calendarDateIn } from '../domain/calendar-date.ts';

export interface Schedule {
  nextRun(): Date | null;
  /** The cron's latest match at or before `now`, whether or not this process was running then. */
  previousRun(now: Date): Date | null;
  stop(): void;
}

/** Calls `tick` at every match of `cron` in `timeZone`; a tick that is still running is not started twice. */
export function startSchedule(cron: string, timeZone: string, tick: () => Promise<void>): Schedule {
  const job = new Cron(cron, { timezone: timeZone, protect: true, catch: true }, tick);
  return {
    nextRun: () => job.nextRun(),
    previousRun: (now) => job.previousRuns(1, now)[0] ?? null,
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

/**
 * The date a scheduler started late must still run: today (in `timeZone`) when the cron matched earlier
 * today. Whether that date already ran is for the caller to check (the run row).
 */
export function dateToCatchUp(
  schedule: Pick<Schedule, 'previousRun'>,
  timeZone: string,
  now: Date,
): string | null {
  const previous = schedule.previousRun(now);
  if (!previous) return null;
  const today = calendarDateIn(now, timeZone);
  return calendarDateIn(previous, timeZone) === today ? today : null;
}
