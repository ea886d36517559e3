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

/** displayText's full pipeline, without its shortcut for text it would not change. */
function displayTextReference(value: string): string {
  return (
    value
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu, '\ufffd')
      .normalize('NFC')
      .replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/gu, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the reference strips control characters
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u0085]+/gu, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

describe('displayText shortcut for names it leaves as they are', () => {
  // Names as they are, and the characters next to the shortcut's edges: spaces at the ends and in runs,
  // the combining sound marks (か + U+3099 is が in NFC), an accent, a CJK compatibility ideograph
  // (U+F900 normalises to U+8C48), a half-width voiced mark, bidi and zero-width characters, a tab.
  const alphabet = [
    '山',
    '田',
    '太',
    '郎',
    'か',
    'ガ',
    'ｶ',
    'ﾞ',
    '　',
    ' ',
    'a',
    'Z',
    '-',
    '<',
    '&',
    '\u3099',
    '\u309a',
    'e',
    '\u0301',
    '\uf900',
    '\u200b',
    '\u202e',
    '\t',
    '\u00a0',
    '\ud800',
    'Ａ',
    '。',
    'ー',
    '〜',
  ];
  it.each([
    ['山田 太郎'],
    ['ヤマダ　タロウ'],
    ['か\u3099'],
    [' 山田'],
    ['山田　'],
    ['山田  太郎'],
    ['\uf900'],
    [''],
  ])('%j gives what the full pipeline gives', (input) => {
    expect(displayText(input)).toBe(displayTextReference(input));
  });

  it('gives what the full pipeline gives, for any mix of those characters (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (chars) => {
        const s = chars.join('');
        expect(displayText(s)).toBe(displayTextReference(s));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(displayText(s)).toBe(displayTextReference(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('notificationText', () => {
  it('turns markup characters into their full-width forms', () => {
    expect(notificationText('<a href="x">A&B</a>\n')).toBe('＜a href="x"＞A＆B＜/a＞');
  });
});
