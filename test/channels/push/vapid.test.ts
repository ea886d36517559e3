import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatVapidEnv, generateVapidKeys, validateVapid } from '../../../src/channels/push/vapid.ts';

const keys = generateVapidKeys();
const SUBJECT = 'mailto:ops@example.jp';

describe('generateVapidKeys', () => {
  it('makes a valid P-256 pair in base64url', () => {
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(keys.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(validateVapid({ ...keys, subject: SUBJECT })).toEqual([]);
    expect(generateVapidKeys().privateKey).not.toBe(keys.privateKey);
  });
});

describe('formatVapidEnv', () => {
  it('prints two env lines', () => {
    expect(formatVapidEnv({ publicKey: 'PUB', privateKey: 'PRIV' })).toBe(
      'VAPID_PUBLIC_KEY=PUB\nVAPID_PRIVATE_KEY=PRIV\n',
    );
  });
});

describe('validateVapid', () => {
  const other = generateVapidKeys();
  const compressed = (() => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    return ecdh.getPublicKey('base64url', 'compressed');
  })();
  const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');

  it('accepts nothing configured (push off)', () => {
    expect(validateVapid({})).toEqual([]);
    expect(validateVapid({ publicKey: '', privateKey: ' ', subject: undefined })).toEqual([]);
  });

  it.each([
    { name: 'https subject', input: { ...keys, subject: 'https://kigen.example.jp/contact' } },
    { name: 'mailto subject', input: { ...keys, subject: SUBJECT } },
    {
      name: 'surrounding whitespace',
      input: { publicKey: ` ${keys.publicKey}\n`, privateKey: keys.privateKey, subject: SUBJECT },
    },
  ])('accepts $name', ({ input }) => {
    expect(validateVapid(input)).toEqual([]);
  });

  it.each([
    { name: 'keys without a subject', input: { ...keys }, fields: ['subject'] },
    { name: 'subject without keys', input: { subject: SUBJECT }, fields: ['publicKey', 'privateKey'] },
    {
      name: 'public key only',
      input: { publicKey: keys.publicKey, subject: SUBJECT },
      fields: ['privateKey'],
    },
    { name: 'http subject', input: { ...keys, subject: 'http://example.jp' }, fields: ['subject'] },
    { name: 'bare address subject', input: { ...keys, subject: 'ops@example.jp' }, fields: ['subject'] },
    { name: 'empty mailto', input: { ...keys, subject: 'mailto:' }, fields: ['subject'] },
    { name: 'localhost subject', input: { ...keys, subject: 'https://localhost/' }, fields: ['subject'] },
    {
      name: 'padded public key',
      input: { ...keys, publicKey: `${keys.publicKey}=`, subject: SUBJECT },
      fields: ['publicKey'],
    },
    {
      name: 'standard base64 key',
      input: { ...keys, privateKey: `${'+/'.repeat(21)}AA`, subject: SUBJECT },
      fields: ['privateKey'],
    },
    {
      name: 'compressed public key',
      input: { ...keys, publicKey: compressed, subject: SUBJECT },
      fields: ['publicKey'],
    },
    {
      name: 'public key off the curve',
      input: { ...keys, publicKey: offCurve, subject: SUBJECT },
      fields: ['publicKey'],
    },
    {
      name: 'short private key',
      input: { ...keys, privateKey: keys.privateKey.slice(0, 40), subject: SUBJECT },
      fields: ['privateKey'],
    },
    {
      name: 'zero private key',
      input: { ...keys, privateKey: Buffer.alloc(32).toString('base64url'), subject: SUBJECT },
      fields: ['privateKey'],
    },
    {
      name: 'keys of two pairs',
      input: { publicKey: keys.publicKey, privateKey: other.privateKey, subject: SUBJECT },
      fields: ['privateKey'],
    },
    {
      name: 'keys swapped',
      input: { publicKey: keys.privateKey, privateKey: keys.publicKey },
      fields: ['publicKey', 'privateKey', 'subject'],
    },
  ])('reports $name', ({ input, fields }) => {
    const problems = validateVapid(input);
    expect(problems.map((p) => p.field)).toEqual(fields);
    for (const problem of problems)
      expect(problem.message).toMatch(/^VAPID_(PUBLIC_KEY|PRIVATE_KEY|SUBJECT): /);
  });

  it('never echoes the private key', () => {
    const problems = validateVapid({ publicKey: keys.publicKey, privateKey: other.privateKey, subject: 'x' });
    expect(JSON.stringify(problems)).not.toContain(other.privateKey);
  });
});
