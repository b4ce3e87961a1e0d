import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './signature.ts';
import { retryDelayMs } from './webhook-dispatcher.ts';
import { validateWebhookUrl } from './events-service.ts';
import { parseWebhookAllowList } from './webhook-address.ts';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = '{"id":"a.recorded","decision":"accepted"}';
  const now = new Date('2026-11-29T03:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);

  it('is HMAC-SHA256 of "<timestamp>.<body>" with the secret, as v1=<hex>', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(signWebhook(secret, ts, body)).toBe(`v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
  });

  it('verifies within the tolerance, refuses a replayed old (or future) timestamp, another body, another secret, junk', () => {
    const signature = signWebhook(secret, ts, body);
    expect(verifyWebhookSignature(secret, String(ts), body, signature, { now })).toBe(true);
    expect(verifyWebhookSignature(secret, ts, body, `v1=deadbeef ${signature}`, { now })).toBe(true); // several signatures (rotation)
    expect(verifyWebhookSignature(secret, ts, body, signature, { now: new Date(now.getTime() + 301_000) })).toBe(false);
    expect(verifyWebhookSignature(secret, ts, body, signature, { now: new Date(now.getTime() - 301_000) })).toBe(false);
    expect(verifyWebhookSignature(secret, ts, body, signature, { now: new Date(now.getTime() + 3_000_000), toleranceSeconds: 3600 })).toBe(
      true,
    );
    expect(verifyWebhookSignature(secret, ts, `${body} `, signature, { now })).toBe(false);
    expect(verifyWebhookSignature(generateWebhookSecret(), ts, body, signature, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, ts + 1, body, signature, { now })).toBe(false);
    for (const bad of [undefined, '', 'v1=', 'v0=' + signature.slice(3), signature.slice(0, -2)])
      expect(verifyWebhookSignature(secret, ts, body, bad, { now })).toBe(false);
    for (const bad of [undefined, null, '', '12.5', '-1', 'abc'])
      expect(verifyWebhookSignature(secret, bad, body, signature, { now })).toBe(false);
  });
});

describe('retries', () => {
  it('double from the base, capped, with jitter between half and all of it', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(policy, 30, () => 1)).toBe(60_000);
  });
});

describe('webhook URLs', () => {
  it('http and https only, with a host and no credentials', () => {
    expect(validateWebhookUrl(' https://example.com/hook ')).toBe('https://example.com/hook');
    expect(validateWebhookUrl('http://192.168.1.20:8123/api/webhook/facegate')).toBe('http://192.168.1.20:8123/api/webhook/facegate');
    // This host only when the operator opened it (FACEGATE_WEBHOOK_ALLOW), on that port.
    expect(() => validateWebhookUrl('http://127.0.0.1:1880/hook')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(validateWebhookUrl('http://127.0.0.1:1880/hook', parseWebhookAllowList('127.0.0.1:1880'))).toBe('http://127.0.0.1:1880/hook');
    expect(() => validateWebhookUrl('http://127.0.0.1:1881/hook', parseWebhookAllowList('127.0.0.1:1880'))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(validateWebhookUrl('http://[::1]:8080/', parseWebhookAllowList('[::1]:8080, 10.1.1.1'))).toBe('http://[::1]:8080/');
    expect(() => parseWebhookAllowList('127.0.0.1:99999')).toThrow(/FACEGATE_WEBHOOK_ALLOW/);
    expect(() => parseWebhookAllowList('example.com')).toThrow(/FACEGATE_WEBHOOK_ALLOW/);
    for (const bad of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'example.com/hook',
      'https://user:pw@example.com/',
      `https://example.com/${'a'.repeat(2000)}`,
    ]) {
      expect(() => validateWebhookUrl(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
