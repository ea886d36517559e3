import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAlerts } from '../../src/domain/alerts.ts';
import { comparePeople, fullReading, normalizeReading } from '../../src/domain/reading.ts';
import type { Alert } from '../../src/domain/types.ts';

describe('normalizeReading', () => {
  it.each([
    ['さとう', 'サトウ'],
    ['サトウ', 'サトウ'],
    ['ｻﾄｳ', 'サトウ'],
    ['ｶﾞｯｺｳ', 'ガッコウ'],
    ['さ とう　', 'サトウ'],
    ['ヴぁいおりん', 'ヴァイオリン'],
    ['ー', 'ー'],
    ['', ''],
    ['   ', ''],
  ])('%s → %s', (input, expected) => {
    expect(normalizeReading(input)).toBe(expected);
  });

  it.each(['佐藤', 'sato', 'サトウ1', 'さとう!'])('rejects %s', (input) => {
    expect(normalizeReading(input)).toBeNull();
  });
});

describe('comparePeople', () => {
  const sorted = (people: Array<{ name: string; reading?: string }>) =>
    [...people].sort(comparePeople).map((p) => p.name);

  it('puts 安藤 before 佐藤 by reading, where code-point order has them the other way round', () => {
    expect('佐藤' < '安藤').toBe(true);
    expect(
      sorted([
        { name: '佐藤 次郎', reading: 'サトウ ジロウ' },
        { name: '安藤 三郎', reading: 'アンドウ サブロウ' },
      ]),
    ).toEqual(['安藤 三郎', '佐藤 次郎']);
  });

  it('sorts voiced and small kana with their plain form (五十音順), then plain before voiced', () => {
    expect(
      sorted([
        { name: 'c', reading: 'キムラ' },
        { name: 'b', reading: 'ガトウ' },
        { name: 'a', reading: 'カトウ' },
        { name: 'd', reading: 'カッタ' },
      ]),
    ).toEqual(['d', 'a', 'b', 'c']);
  });

  it('puts people with a reading first, the others after them in code-point order', () => {
    expect(sorted([{ name: '安藤' }, { name: '佐藤' }, { name: '山田', reading: 'ヤマダ' }])).toEqual([
      '山田',
      '佐藤',
      '安藤',
    ]);
  });

  it('is a total order (antisymmetric and transitive)', () => {
    const person = fc.record({
      name: fc.constantFrom('佐藤', '安藤', '加藤', 'ABC'),
      reading: fc.option(fc.constantFrom('サトウ', 'アンドウ', 'カトウ', 'ガトウ', 'カッタ'), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(person, person, person, (a, b, c) => {
        expect(Math.sign(comparePeople(a, b)) + Math.sign(comparePeople(b, a))).toBe(0);
        if (comparePeople(a, b) <= 0 && comparePeople(b, c) <= 0)
          expect(comparePeople(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('alerts in 五十音順', () => {
  it('orders assessment alerts of one office by reading', () => {
    const alert = (name: string, reading?: string): Alert => ({
      type: 'assessment_incomplete',
      officeId: 'o',
      recipientId: name,
      name,
      ...(reading ? { reading } : {}),
      deadline: null,
      daysRemaining: null,
      message: '',
    });
    const alerts = [
      alert('佐藤 次郎', 'サトウ ジロウ'),
      alert('安藤 三郎', 'アンドウ サブロウ'),
      alert('伊藤 四郎'),
    ];
    expect(alerts.sort(compareAlerts).map((a) => a.name)).toEqual(['安藤 三郎', '佐藤 次郎', '伊藤 四郎']);
  });

  it('builds the full reading from its parts', () => {
    expect(fullReading('サトウ', 'ジロウ')).toBe('サトウ ジロウ');
    expect(fullReading('サトウ', null)).toBe('サトウ');
    expect(fullReading(null, 'ジロウ')).toBeNull();
  });
});
