import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../src/domain/mask.ts';

describe('maskEmail', () => {
  it.each([
    ['taro.yamada@example.jp', 't***@example.jp'],
    ['ab@example.jp', 'a***@example.jp'],
    ['a@example.jp', '***@example.jp'], // a one-character local part is hidden entirely
    ['山田太郎@example.jp', '山***@example.jp'],
    ['😀x@example.jp', '😀***@example.jp'], // a whole code point, not half a surrogate pair
    ['"a@b"@example.jp', '"***@example.jp'], // the last @ separates the domain
    ['Taro.Yamada+kigen@mail.example.co.jp', 'T***@mail.example.co.jp'],
    ['not-an-email', '***'],
    ['', '***'],
    ['@example.jp', '***'],
    ['taro@', '***'],
  ])('%j → %j', (input, expected) => {
    expect(maskEmail(input)).toBe(expected);
  });

  it('hides the length of the local part', () => {
    expect(maskEmail('tt@example.jp')).toBe(maskEmail('tttttttttttttttt@example.jp'));
  });

  it('never returns the whole local part, and keeps the domain (property)', () => {
    fc.assert(
      fc.property(
        fc.emailAddress().filter((address) => !address.includes('*')),
        (address) => {
          const at = address.lastIndexOf('@');
          const local = address.slice(0, at);
          const domain = address.slice(at + 1);
          const masked = maskEmail(address);
          expect(masked.endsWith(`***@${domain}`)).toBe(true);
          expect(masked).not.toContain(`${local}@`);
          expect(masked.length).toBeLessThanOrEqual(domain.length + 5);
        },
      ),
      { numRuns: 500 },
    );
  });
});
