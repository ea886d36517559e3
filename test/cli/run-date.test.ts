// The run date of `kigen run`: --date as given (validated), otherwise today in the offices' time zone
// computed from a pinned instant — never the process's local date (mistake 7).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDateFrom } from '../../src/cli/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { DomainError } from '../../src/domain/domain-error.ts';

describe('runDateFrom', () => {
  let savedTz: string | undefined;
  beforeEach(() => {
    savedTz = process.env.TZ;
    // Node applies a changed TZ at once: local-time Date methods now answer for Los Angeles.
    process.env.TZ = 'America/Los_Angeles';
  });
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  const tokyo = loadConfig({});
  const losAngelesOffices = loadConfig({ KIGEN_TIME_ZONE: 'America/Los_Angeles' });

  it.each([
    // [instant, offices' zone config, expected date]
    ['2026-12-01T15:30:00Z', tokyo, '2026-12-02'], // 00:30 on the 2nd in Tokyo, still the 1st in LA and UTC
    ['2026-12-01T14:59:59Z', tokyo, '2026-12-01'],
    ['2026-12-31T15:00:00Z', tokyo, '2027-01-01'],
    ['2026-12-02T07:59:59Z', losAngelesOffices, '2026-12-01'],
  ] as const)('at %s the run date is the offices’ today', (instant, config, expected) => {
    const now = new Date(instant);
    expect(runDateFrom(undefined, config, now)).toBe(expected);
  });

  it('differs from the process’s local date when the zones disagree (the test is live)', () => {
    const now = new Date('2026-12-01T15:30:00Z');
    expect(now.getDate()).toBe(1); // local (Los Angeles) date
    expect(runDateFrom(undefined, tokyo, now)).toBe('2026-12-02');
  });

  it('takes --date as given, whatever the clock says, and rejects an impossible one', () => {
    const now = new Date('2026-12-01T15:30:00Z');
    expect(runDateFrom('2026-05-06', tokyo, now)).toBe('2026-05-06');
    expect(() => runDateFrom('2026-02-30', tokyo, now)).toThrow(DomainError);
    expect(() => runDateFrom('2026-5-6', tokyo, now)).toThrow(DomainError);
  });
});
