import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayText, notificationText } from '../../src/domain/display-text.ts';

describe('displayText', () => {
  it.each([
    ['山田 太郎', '山田 太郎'],
    ['山田　太郎', '山田　太郎'], // an ideographic space is part of a Japanese name
    ['a\r\nBcc: evil@x.jp', 'a Bcc: evil@x.jp'],
    ['tab\there\u0000nul\u007fdel\u0085nel', 'tab here nul del nel'],
    ['line\u2028sep\u2029para', 'line sep para'],
    ['\u202eevil\u202c name \u2066iso\u2069', 'evil name iso'],
    ['zero\u200bwidth\ufeff\u200e\u200f\u061c', 'zerowidth'],
    ['  many    spaces  ', 'many spaces'],
    ['ｶﾞ and e\u0301', 'ｶﾞ and é'], // NFC (not NFKC: half-width kana stay as written)
    ['<b>markup</b> & co', '<b>markup</b> & co'],
    ['lone \ud800 surrogate', 'lone \ufffd surrogate'],
  ])('%j → %j', (input, expected) => {
    expect(displayText(input)).toBe(expected);
  });

  it('never returns a control, line-breaking or bidi character, and is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = displayText(s);
        expect(out).not.toMatch(
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
          /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]/u,
        );
        expect(displayText(out)).toBe(out);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('notificationText', () => {
  it('turns markup characters into their full-width forms', () => {
    expect(notificationText('<a href="x">A&B</a>\n')).toBe('＜a href="x"＞A＆B＜/a＞');
  });
});
