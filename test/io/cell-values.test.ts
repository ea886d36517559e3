import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { isValidEmailAddress } from '../../src/domain/email-address.ts';
import {
  parseBooleanCell,
  parseDateCell,
  parseEmailCell,
  parseKeyCell,
  parseKeyListCell,
} from '../../src/io/cell-values.ts';
import { type CsvItem, detectEncoding, readCsv } from '../../src/io/csv-reader.ts';
import { csvFolder } from './io-fixtures.ts';

describe('parseDateCell', () => {
  it.each([
    ['2026-12-01', '2026-12-01'],
    ['2026/12/1', '2026-12-01'],
    ['２０２６／１２／０１', '2026-12-01'],
    ['2026年12月1日', '2026-12-01'],
    ['令和8年12月1日', '2026-12-01'],
    ['令和元年5月1日', '2019-05-01'],
    ['R8.12.1', '2026-12-01'],
    ['r8/12/01', '2026-12-01'],
    ['平成31年4月30日', '2019-04-30'],
    ['H1.1.8', '1989-01-08'],
    ['昭和64年1月7日', '1989-01-07'],
    ['㋿8年12月1日', '2026-12-01'],
  ])('%s → %s', (input, expected) => {
    expect(parseDateCell(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['2026-02-30', 'no such date'],
    ['2026-13-01', 'no such date'],
    ['平成31年5月1日', '平成 runs 1989-01-08…2019-04-30'],
    ['令和1年4月30日', '令和 runs 2019-05-01…'],
    ['12/01/2026', 'not a date'],
    ['来週', 'not a date'],
  ])('rejects %s', (input, problem) => {
    const result = parseDateCell(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });
});

describe('other cells', () => {
  it('reads yes and no as Excel and people write them', () => {
    for (const yes of ['true', 'TRUE', '1', '１', 'はい', '○', 'yes'])
      expect(parseBooleanCell(yes)).toEqual({ ok: true, value: true });
    for (const no of ['false', 'FALSE', '0', 'いいえ', '×', 'no'])
      expect(parseBooleanCell(no)).toEqual({ ok: true, value: false });
    expect(parseBooleanCell('maybe').ok).toBe(false);
  });

  it('checks e-mail addresses, after turning full-width characters half-width', () => {
    expect(parseEmailCell('ｓａｔｏ＠example.jp')).toEqual({ ok: true, value: 'sato@example.jp' });
    for (const bad of ['sato', 'sato@', 'sa to@example.jp', 'a@b@example.jp', 'sato@-x.jp']) {
      expect(parseEmailCell(bad).ok).toBe(false);
    }
  });

  it('applies the one address rule of kigen (src/domain/email-address.ts), nothing looser or stricter', () => {
    // Cases where an import-only pattern disagreed with the rule the database and the API apply.
    const cases = [
      '山田@例え.jp', // a Japanese domain: the rest of kigen accepts it
      '"taro yamada"@example.jp',
      'ops@localhost',
      'a..b@example.jp', // the database refuses these: import must report them, not fail on the CHECK
      'a\u202eb@example.jp',
      `${'x'.repeat(65)}@example.jp`,
      'taro@example.jp',
    ];
    for (const address of cases)
      expect([address, parseEmailCell(address).ok]).toEqual([address, isValidEmailAddress(address)]);
    expect(parseEmailCell('a..b@example.jp')).toEqual({
      ok: false,
      problem: expect.stringMatching(/^not an e-mail address \(like name@example.jp\): the address/),
    });
  });

  it('reads ids and lists of ids', () => {
    expect(parseKeyCell(' Ａ０１ ')).toEqual({ ok: true, value: 'A01' });
    expect(parseKeyCell('').ok).toBe(false);
    expect(parseKeyListCell('A01; A02、A03,A01')).toEqual({ ok: true, value: ['A01', 'A02', 'A03'] });
  });
});

async function records(content: string | Uint8Array): Promise<CsvItem[]> {
  const dir = await csvFolder({});
  const file = join(dir, 'x.csv');
  await writeFile(file, content);
  const items: CsvItem[] = [];
  for await (const batch of readCsv(file)) items.push(...batch);
  return items;
}

describe('readCsv', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF, and skips blank lines', async () => {
    expect(await records('a,b\r\n"x, ""y""","line\r\nbreak"\r\n\r\nc,\r\n')).toEqual([
      { kind: 'record', line: 1, fields: ['a', 'b'] },
      { kind: 'record', line: 2, fields: ['x, "y"', 'line\r\nbreak'] },
      { kind: 'record', line: 5, fields: ['c', ''] },
    ]);
  });

  it('detects UTF-8 with and without BOM, and Shift_JIS', async () => {
    expect(detectEncoding(Buffer.from('\uFEFF佐藤'))).toEqual({ encoding: 'utf-8', bom: true });
    expect(detectEncoding(Buffer.from('佐藤'))).toEqual({ encoding: 'utf-8', bom: false });
    // A multi-byte character cut at the end of the sample is still UTF-8.
    expect(detectEncoding(Buffer.from('佐藤').subarray(0, 4))).toEqual({ encoding: 'utf-8', bom: false });
    expect(detectEncoding(iconv.encode('佐藤,髙橋', 'Shift_JIS'))).toEqual({
      encoding: 'shift_jis',
      bom: false,
    });
    expect(await records(iconv.encode('姓,名\r\n髙橋,①子\r\n', 'Shift_JIS'))).toEqual([
      { kind: 'record', line: 1, fields: ['姓', '名'] },
      { kind: 'record', line: 2, fields: ['髙橋', '①子'] },
    ]);
  });
});
