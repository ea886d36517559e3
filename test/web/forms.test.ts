import { describe, expect, it } from 'vitest';
import {
  BOTH_CHANNELS_OFF_MESSAGE,
  type PreferencesUpdate,
  parsePreferencesForm,
} from '../../src/web/forms.ts';

const CURRENT: PreferencesUpdate = {
  emailNotification: true,
  systemNotification: false,
  emailThresholdDays: 30,
  pushThresholdDays: 10,
};

describe('parsePreferencesForm', () => {
  it.each([
    [
      'both on',
      { email: 'on', push: 'on', emailThreshold: '20', pushThreshold: '5' },
      { emailNotification: true, systemNotification: true, emailThresholdDays: 20, pushThresholdDays: 5 },
    ],
    [
      'email only (an unticked checkbox is absent)',
      { email: 'on', emailThreshold: '30', pushThreshold: '10' },
      { emailNotification: true, systemNotification: false, emailThresholdDays: 30, pushThresholdDays: 10 },
    ],
    [
      'push only',
      { push: 'on', emailThreshold: '5', pushThreshold: '30' },
      { emailNotification: false, systemNotification: true, emailThresholdDays: 5, pushThresholdDays: 30 },
    ],
  ])('accepts %s', (_label, body, expected) => {
    expect(parsePreferencesForm(body, CURRENT)).toEqual({ ok: true, value: expected });
  });

  it('refuses both channels off, with the explanation, and gives the submitted values back', () => {
    const result = parsePreferencesForm({ emailThreshold: '10', pushThreshold: '10' }, CURRENT);
    expect(result).toEqual({
      ok: false,
      errors: [BOTH_CHANNELS_OFF_MESSAGE],
      submitted: {
        emailNotification: false,
        systemNotification: false,
        emailThresholdDays: 10,
        pushThresholdDays: 10,
      },
    });
  });

  it.each([['7'], [''], ['30days'], [undefined], [['30']], ['1e1']])(
    'refuses the threshold %j and keeps the current one in the form',
    (bad) => {
      const result = parsePreferencesForm({ email: 'on', emailThreshold: bad, pushThreshold: '5' }, CURRENT);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toEqual(['メール通知の日数は 5・10・20・30 日から選んでください。']);
      expect(result.submitted.emailThresholdDays).toBe(30);
    },
  );

  it('lists every problem at once', () => {
    const result = parsePreferencesForm({ emailThreshold: '3', pushThreshold: '99' }, CURRENT);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toHaveLength(3);
  });
});
