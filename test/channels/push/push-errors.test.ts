import { describe, expect, it } from 'vitest';
import { classifyPushResponse, parseRetryAfter } from '../../../src/channels/push/push-errors.ts';

const NOW = Date.parse('2026-01-15T00:00:00Z');

describe('classifyPushResponse by HTTP status', () => {
  it.each([
    { statusCode: 200, expected: { status: 'sent' } },
    { statusCode: 201, expected: { status: 'sent' } },
    { statusCode: 202, expected: { status: 'sent' } },
    { statusCode: 404, expected: { status: 'gone', code: 'HTTP_404' } },
    { statusCode: 410, expected: { status: 'gone', code: 'HTTP_410' } },
    { statusCode: 429, expected: { status: 'failed', kind: 'transient', code: 'HTTP_429' } },
    { statusCode: 500, expected: { status: 'failed', kind: 'transient', code: 'HTTP_500' } },
    { statusCode: 502, expected: { status: 'failed', kind: 'transient', code: 'HTTP_502' } },
    { statusCode: 503, expected: { status: 'failed', kind: 'transient', code: 'HTTP_503' } },
    { statusCode: 504, expected: { status: 'failed', kind: 'transient', code: 'HTTP_504' } },
    { statusCode: 400, expected: { status: 'failed', kind: 'permanent', code: 'HTTP_400' } },
    { statusCode: 401, expected: { status: 'failed', kind: 'permanent', code: 'HTTP_401' } },
    { statusCode: 403, expected: { status: 'failed', kind: 'permanent', code: 'HTTP_403' } },
    { statusCode: 413, expected: { status: 'failed', kind: 'permanent', code: 'HTTP_413' } },
    { statusCode: 301, expected: { status: 'failed', kind: 'permanent', code: 'HTTP_301' } },
  ])('$statusCode → $expected.status $expected.kind', ({ statusCode, expected }) => {
    const outcome = classifyPushResponse({ statusCode, headers: {} }, NOW);
    expect(outcome).toMatchObject(expected);
    expect(outcome).not.toHaveProperty('retryAfterMs');
  });

  it('passes the Location header on as the provider id', () => {
    expect(classifyPushResponse({ statusCode: 201, location: 'https://push.example/m/1' }, NOW)).toEqual({
      status: 'sent',
      providerId: 'https://push.example/m/1',
    });
  });

  it.each([
    { statusCode: 429, retryAfter: '120', ms: 120_000 },
    { statusCode: 503, retryAfter: '0', ms: 0 },
    { statusCode: 503, retryAfter: 'Thu, 15 Jan 2026 00:00:30 GMT', ms: 30_000 },
    { statusCode: 503, retryAfter: 'Wed, 14 Jan 2026 00:00:00 GMT', ms: 0 },
    { statusCode: 503, retryAfter: '99999999', ms: 86_400_000 },
  ])('honours Retry-After $retryAfter on $statusCode', ({ statusCode, retryAfter, ms }) => {
    const outcome = classifyPushResponse({ statusCode, headers: { 'retry-after': retryAfter } }, NOW);
    expect(outcome).toMatchObject({ status: 'failed', kind: 'transient', retryAfterMs: ms });
  });

  it('ignores Retry-After on a permanent failure', () => {
    expect(
      classifyPushResponse({ statusCode: 400, headers: { 'retry-after': '5' } }, NOW),
    ).not.toHaveProperty('retryAfterMs');
  });

  it('keeps a short, single-line snippet of the body in the reason', () => {
    const outcome = classifyPushResponse({
      statusCode: 400,
      body: `{"reason":"BadDeviceToken"}\n${'x'.repeat(500)}`,
    });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/^HTTP 400: .*BadDeviceToken/);
    expect(outcome.status === 'failed' && outcome.reason.length).toBeLessThan(300);
    expect(outcome.status === 'failed' && outcome.reason).not.toMatch(/\n/);
  });
});

describe('classifyPushResponse by network error code', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ABORTED',
  ])('%s is transient', (code) => {
    expect(classifyPushResponse({ code })).toMatchObject({ status: 'failed', kind: 'transient', code });
  });

  it.each([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'ERR_SOMETHING_NEW',
  ])('%s is permanent', (code) => {
    expect(classifyPushResponse({ code })).toMatchObject({ status: 'failed', kind: 'permanent', code });
  });

  it('an error without a code is permanent with code UNKNOWN', () => {
    expect(classifyPushResponse({})).toMatchObject({ status: 'failed', kind: 'permanent', code: 'UNKNOWN' });
  });

  it('decides by code, not by message text', () => {
    const error = Object.assign(new Error('503 Service Unavailable, try again'), {
      code: 'ERR_SOMETHING_NEW',
    });
    expect(classifyPushResponse(error)).toMatchObject({ kind: 'permanent' });
  });
});

describe('parseRetryAfter', () => {
  it.each([undefined, '', '  ', 'soon', '-5', '1.5', '12abc'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
