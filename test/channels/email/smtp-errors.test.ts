import { describe, expect, it } from 'vitest';
import { classifySmtpError, maskAddresses } from '../../../src/channels/email/smtp-errors.ts';

function smtpError(fields: Record<string, unknown>, message = 'ignored message text'): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifySmtpError', () => {
  it.each([
    // network and timeouts
    [{ code: 'ECONNECTION' }, 'transient', 'ECONNECTION'],
    [{ code: 'ETIMEDOUT' }, 'transient', 'ETIMEDOUT'],
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, 'transient', 'ESOCKET'],
    [{ code: 'EDNS' }, 'transient', 'EDNS'],
    [{ code: 'ECONNRESET' }, 'transient', 'ECONNRESET'],
    [{ code: 'EABORT' }, 'transient', 'EABORT'],
    [{ code: 'EPROTOCOL' }, 'transient', 'EPROTOCOL'],
    // reply codes decide when present
    [{ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }, 'transient', '450'],
    [{ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'transient', '451'],
    [{ code: 'EMESSAGE', responseCode: 452, command: 'DATA' }, 'transient', '452'],
    [{ code: 'ECONNECTION', responseCode: 421 }, 'transient', '421'],
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'permanent', '550'],
    [{ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'permanent', '553'],
    [{ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'permanent', '554'],
    [{ code: 'EPROTOCOL', responseCode: 503 }, 'transient', '503'],
    [{ responseCode: 552 }, 'permanent', '552'],
    [{ responseCode: 421 }, 'transient', '421'],
    // codes without a reply
    [{ code: 'EENVELOPE' }, 'permanent', 'EENVELOPE'],
    [{ code: 'EMESSAGE' }, 'permanent', 'EMESSAGE'],
    [{ code: 'EMAXRECIPIENTS' }, 'permanent', 'EMAXRECIPIENTS'],
    // fatal for the run, and the code names the problem rather than the reply
    [{ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'fatal', 'EAUTH'],
    [{ code: 'EAUTH', command: 'API' }, 'fatal', 'EAUTH'],
    [{ code: 'ENOAUTH' }, 'fatal', 'ENOAUTH'],
    [{ code: 'ECONFIG' }, 'fatal', 'ECONFIG'],
    [{ code: 'EOAUTH2' }, 'fatal', 'EOAUTH2'],
    [{ code: 'ETLS' }, 'fatal', 'ETLS'],
    // RFC 4954 authentication replies, wherever they come (530 at MAIL FROM: no credentials sent)
    [{ code: 'EENVELOPE', responseCode: 530, command: 'MAIL FROM' }, 'fatal', '530'],
    [{ code: 'EENVELOPE', responseCode: 538, command: 'MAIL FROM' }, 'fatal', '538'],
    // a temporary AUTH failure (454) is the server's trouble: retry
    [{ code: 'EAUTH', responseCode: 454, command: 'AUTH PLAIN' }, 'transient', '454'],
    // outbox (file system)
    [{ code: 'EACCES' }, 'fatal', 'EACCES'],
    [{ code: 'EROFS' }, 'fatal', 'EROFS'],
    [{ code: 'ENOSPC' }, 'transient', 'ENOSPC'],
    // unknown → transient (capped retries are cheaper than a lost notice)
    [{ code: 'ESOMETHINGNEW' }, 'transient', 'ESOMETHINGNEW'],
    [{}, 'transient', 'UNKNOWN'],
  ])('%o → %s %s', (fields, kind, code) => {
    const result = classifySmtpError(smtpError(fields));
    expect(result.kind).toBe(kind);
    expect(result.code).toBe(code);
  });

  it('decides by code, never by message text', () => {
    const scary = smtpError({ code: 'ECONNECTION' }, '550 permanent failure: authentication failed');
    expect(classifySmtpError(scary).kind).toBe('transient');
    const calm = smtpError({ code: 'EENVELOPE', responseCode: 550 }, 'try again later (temporary)');
    expect(classifySmtpError(calm).kind).toBe('permanent');
  });

  it.each([
    [undefined, 'transient'],
    [null, 'transient'],
    ['a string was thrown', 'transient'],
    [42, 'transient'],
  ])('does not throw on a non-Error (%s)', (value, kind) => {
    const result = classifySmtpError(value);
    expect(result.kind).toBe(kind);
    expect(result.code).toBe('UNKNOWN');
  });

  it('writes a reason with the code, the command and the reply, addresses masked', () => {
    const err = smtpError({
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
      response: '550 5.1.1 <taro.yamada@example.jp>: Recipient address rejected',
    });
    const { reason } = classifySmtpError(err);
    expect(reason).toContain('550');
    expect(reason).toContain('EENVELOPE');
    expect(reason).toContain('RCPT TO');
    expect(reason).toContain('t***@example.jp');
    expect(reason).not.toContain('taro.yamada');
  });

  it.each([
    [{ code: 'EAUTH', responseCode: 535, response: '535 Authentication failed' }, 'SMTP user and password'],
    [{ code: 'EOAUTH2' }, 'refresh token'],
    [{ code: 'ETLS' }, 'TLS mode'],
    [{ code: 'ENOTDIR' }, 'outbox folder'],
  ])('tells the operator what to do about a fatal failure (%o)', (fields, hint) => {
    const { kind, reason } = classifySmtpError(smtpError(fields));
    expect(kind).toBe('fatal');
    expect(reason).toContain(hint);
  });

  it('keeps the reason on one line and bounded', () => {
    const err = smtpError({
      code: 'EMESSAGE',
      responseCode: 554,
      response: `554 ${'x'.repeat(2000)}\r\nInjected: yes`,
    });
    const { reason } = classifySmtpError(err);
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason.length).toBeLessThanOrEqual(300);
  });
});

describe('maskAddresses', () => {
  it.each([
    ['mail to a@b.example failed', 'mail to ***@b.example failed'],
    ['<hanako+tag@kigen.example.jp>', '<h***@kigen.example.jp>'],
    ['no address here', 'no address here'],
  ])('%s', (input, expected) => {
    expect(maskAddresses(input)).toBe(expected);
  });
});
