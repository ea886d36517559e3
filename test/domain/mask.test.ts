import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAddressesIn, maskEmail, maskPersonalData, maskSecretsIn } from '../../src/domain/mask.ts';

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

describe('maskAddressesIn', () => {
  it.each([
    ['550 <山田太郎@例え.jp>: no such user', '550 <山***@例え.jp>: no such user'],
    ['550 5.1.1 "taro yamada"@example.jp unknown', '550 5.1.1 "***@example.jp unknown'],
    ['to hanako+tag@kigen.example.jp, cc jiro@[192.0.2.1]', 'to h***@kigen.example.jp, cc j***@[192.0.2.1]'],
    ['mail to a@b.example failed', 'mail to ***@b.example failed'],
    ['no address here', 'no address here'],
  ])('%j → %j', (input, expected) => {
    expect(maskAddressesIn(input)).toBe(expected);
  });

  it('leaves no whole address of fast-check’s generator (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (address) => {
        const local = address.slice(0, address.lastIndexOf('@'));
        fc.pre(local.length > 1);
        expect(maskAddressesIn(`550 <${address}> refused`)).not.toContain(`${local}@`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('maskSecretsIn', () => {
  it.each([
    ['postgres://kigen:hunter2@db.example.jp:5432/kigen', 'postgres://kigen:***@db.example.jp:5432/kigen'],
    [
      'postgres://db.example.jp/kigen?user=kigen&password=hunter2',
      'postgres://db.example.jp/kigen?user=kigen&password=***',
    ],
    [
      'postgresql://h/db?sslpassword=s3cret&sslmode=require',
      'postgresql://h/db?sslpassword=***&sslmode=require',
    ],
    ["host=db user=kigen password='a b c' dbname=x", 'host=db user=kigen password=*** dbname=x'],
    [
      'smtps://you%40example.jp:APP_PASSWORD@smtp.gmail.com:465',
      'smtps://you%40example.jp:***@smtp.gmail.com:465',
    ],
    ['nothing secret here', 'nothing secret here'],
  ])('%j → %j', (input, expected) => {
    expect(maskSecretsIn(input)).toBe(expected);
  });

  it('maskPersonalData hides both in one message', () => {
    const masked = maskPersonalData('cannot connect postgres://u:pw@h/db?password=pw2 for taro@例え.jp');
    expect(masked).not.toMatch(/pw|taro@/);
  });
});
