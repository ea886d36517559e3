import { describe, expect, it } from 'vitest';
import {
  channelEnabled,
  DEFAULT_PREFERENCES,
  keepForChannel,
  thresholdFor,
  validatePreferences,
} from '../../src/domain/preferences.ts';
import type { Alert, Preferences, ThresholdDays } from '../../src/domain/types.ts';

function prefs(overrides: Partial<Preferences> = {}): Preferences {
  return { ...DEFAULT_PREFERENCES, ...overrides };
}

function renewal(daysRemaining: number): Alert {
  return {
    type: daysRemaining <= 0 ? 'renewal_overdue' : 'renewal_deadline',
    officeId: 'o',
    recipientId: `r${daysRemaining}`,
    name: 'n',
    deadline: '2026-12-01',
    daysRemaining,
    message: '',
  };
}

const assessment: Alert = {
  type: 'assessment_incomplete',
  officeId: 'o',
  recipientId: 'ra',
  name: 'n',
  deadline: null,
  daysRemaining: null,
  message: '',
};

// Renewal days 1…30 at the threshold edges, two overdue (0 and −3) and an assessment alert.
const ALERTS: Alert[] = [renewal(-3), renewal(0), ...[1, 5, 6, 10, 11, 20, 21, 30].map(renewal), assessment];

describe('DEFAULT_PREFERENCES', () => {
  it('matches product.md: email on at 30 days, push off at 10 days, in-app on', () => {
    expect(DEFAULT_PREFERENCES).toEqual({
      emailNotification: true,
      systemNotification: false,
      inAppNotification: true,
      emailThresholdDays: 30,
      pushThresholdDays: 10,
    });
  });

  it('is frozen and valid', () => {
    expect(Object.isFrozen(DEFAULT_PREFERENCES)).toBe(true);
    expect(validatePreferences(DEFAULT_PREFERENCES)).toEqual({ ok: true, value: DEFAULT_PREFERENCES });
  });
});

describe('validatePreferences', () => {
  it.each([5, 10, 20, 30])('accepts threshold %i on both channels', (days) => {
    const input = prefs({
      emailThresholdDays: days as ThresholdDays,
      pushThresholdDays: days as ThresholdDays,
    });
    expect(validatePreferences(input)).toEqual({ ok: true, value: input });
  });

  it.each([0, 1, 7, 15, 31, 30.5, -10, '30', null, Number.NaN])('rejects email threshold %j', (bad) => {
    const result = validatePreferences({ ...DEFAULT_PREFERENCES, emailThresholdDays: bad });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      expect.stringMatching(/^emailThresholdDays: must be one of 5, 10, 20, 30 days, got /),
    ]);
  });

  it('rejects a bad push threshold by name', () => {
    const result = validatePreferences({ ...DEFAULT_PREFERENCES, pushThresholdDays: 7 });
    expect(!result.ok && result.problems).toEqual([
      'pushThresholdDays: must be one of 5, 10, 20, 30 days, got 7',
    ]);
  });

  it.each([
    [{ emailNotification: true, systemNotification: false, inAppNotification: false }, true],
    [{ emailNotification: false, systemNotification: true, inAppNotification: false }, true],
    [{ emailNotification: false, systemNotification: false, inAppNotification: true }, true],
    [{ emailNotification: false, systemNotification: false, inAppNotification: false }, false],
  ])('channels %j → ok %s', (channels, ok) => {
    const result = validatePreferences(prefs(channels));
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.problems).toEqual([
        'at least one of emailNotification, systemNotification, inAppNotification must be on',
      ]);
    }
  });

  it('reports every problem at once', () => {
    const result = validatePreferences({
      emailNotification: 'yes',
      systemNotification: false,
      emailThresholdDays: 7,
      pushThresholdDays: 10,
      emailThreshold: 30,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      'emailThreshold: unknown field',
      'emailNotification: must be true or false, got "yes"',
      'inAppNotification: required (true or false)',
      'emailThresholdDays: must be one of 5, 10, 20, 30 days, got 7',
    ]);
  });

  it.each([null, undefined, 'prefs', 42, [true]])('rejects a non-object %j', (input) => {
    expect(validatePreferences(input)).toEqual({ ok: false, problems: ['preferences must be an object'] });
  });

  it('does not choke on values JSON cannot show', () => {
    const result = validatePreferences({ ...DEFAULT_PREFERENCES, emailThresholdDays: 10n });
    expect(!result.ok && result.problems).toEqual([
      'emailThresholdDays: must be one of 5, 10, 20, 30 days, got bigint',
    ]);
  });

  it('fills missing fields from a base (partial update)', () => {
    const result = validatePreferences(
      { systemNotification: true, pushThresholdDays: 5 },
      DEFAULT_PREFERENCES,
    );
    expect(result).toEqual({
      ok: true,
      value: { ...DEFAULT_PREFERENCES, systemNotification: true, pushThresholdDays: 5 },
    });
  });

  it('requires every field without a base', () => {
    const result = validatePreferences({ systemNotification: true });
    expect(!result.ok && result.problems).toEqual([
      'emailNotification: required (true or false)',
      'inAppNotification: required (true or false)',
      'emailThresholdDays: required (one of 5, 10, 20, 30)',
      'pushThresholdDays: required (one of 5, 10, 20, 30)',
    ]);
  });

  it('checks the merged result: a partial update cannot turn the last channel off', () => {
    const base = prefs({ emailNotification: true, systemNotification: false, inAppNotification: false });
    const result = validatePreferences({ emailNotification: false }, base);
    expect(result.ok).toBe(false);
  });
});

describe('channelEnabled / thresholdFor', () => {
  it('maps push to systemNotification and pushThresholdDays', () => {
    const p = prefs({ emailNotification: false, systemNotification: true, emailThresholdDays: 5 });
    expect(channelEnabled(p, 'email')).toBe(false);
    expect(channelEnabled(p, 'push')).toBe(true);
    expect(thresholdFor(p, 'email')).toBe(5);
    expect(thresholdFor(p, 'push')).toBe(10);
  });
});

describe('keepForChannel', () => {
  const renewalDays = (alerts: Alert[]) =>
    alerts.filter((a) => a.type === 'renewal_deadline').map((a) => a.daysRemaining);

  it.each([
    [5, [1, 5]],
    [10, [1, 5, 6, 10]],
    [20, [1, 5, 6, 10, 11, 20]],
    [30, [1, 5, 6, 10, 11, 20, 21, 30]],
  ] as const)(
    'email threshold %i keeps renewal days %j and every overdue and assessment alert',
    (t, days) => {
      const kept = keepForChannel(ALERTS, prefs({ emailThresholdDays: t }), 'email');
      expect(renewalDays(kept)).toEqual(days);
      expect(kept.filter((a) => a.type === 'renewal_overdue').map((a) => a.daysRemaining)).toEqual([-3, 0]);
      expect(kept.filter((a) => a.type === 'assessment_incomplete')).toEqual([assessment]);
    },
  );

  it.each([
    [5, [1, 5]],
    [10, [1, 5, 6, 10]],
    [20, [1, 5, 6, 10, 11, 20]],
    [30, [1, 5, 6, 10, 11, 20, 21, 30]],
  ] as const)('push threshold %i keeps renewal days %j', (t, days) => {
    const p = prefs({ systemNotification: true, pushThresholdDays: t, emailThresholdDays: 5 });
    const kept = keepForChannel(ALERTS, p, 'push');
    expect(renewalDays(kept)).toEqual(days);
    expect(kept).toContain(assessment);
    expect(kept.filter((a) => a.type === 'renewal_overdue')).toHaveLength(2);
  });

  it('keeps the input order', () => {
    const kept = keepForChannel([assessment, renewal(3), renewal(-1)], prefs(), 'email');
    expect(kept.map((a) => a.recipientId)).toEqual(['ra', 'r3', 'r-1']);
  });

  it('returns [] for a channel that is off (push is off by default)', () => {
    expect(keepForChannel(ALERTS, DEFAULT_PREFERENCES, 'push')).toEqual([]);
    expect(keepForChannel(ALERTS, prefs({ emailNotification: false }), 'email')).toEqual([]);
  });

  it('email off does not stop push', () => {
    const p = prefs({ emailNotification: false, systemNotification: true, pushThresholdDays: 10 });
    expect(keepForChannel(ALERTS, p, 'email')).toEqual([]);
    expect(renewalDays(keepForChannel(ALERTS, p, 'push'))).toEqual([1, 5, 6, 10]);
  });

  it('nothing within the email threshold does not stop push', () => {
    const only20 = [renewal(20)];
    const p = prefs({ emailThresholdDays: 5, systemNotification: true, pushThresholdDays: 30 });
    expect(keepForChannel(only20, p, 'email')).toEqual([]);
    expect(keepForChannel(only20, p, 'push')).toEqual(only20);
  });

  it('push off does not stop email', () => {
    const p = prefs({ systemNotification: false });
    expect(keepForChannel(ALERTS, p, 'push')).toEqual([]);
    expect(keepForChannel(ALERTS, p, 'email')).toHaveLength(ALERTS.length);
  });
});
