// Unit tests of the pure parts of the API's defences: client address, password policy, query cost.
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkPasswordStrength } from './auth/password-policy.ts';
import { clientAddress, parseIp, trustedProxies } from './context.ts';
import { WeakPasswordError } from './errors.ts';
import { metricsAccess } from './ops/http-server.ts';
import { queryCost } from './query-cost.ts';

const TRUSTED = trustedProxies('127.0.0.1, ::1');
const request = (xff?: string) => new Request('http://api/graphql', { headers: xff ? { 'x-forwarded-for': xff } : {} });

describe('clientAddress', () => {
  it('is the peer unless the peer is a trusted proxy', () => {
    expect(clientAddress(request('6.6.6.6'), '203.0.113.9', TRUSTED)).toBe('203.0.113.9'); // spoofed header ignored
    expect(clientAddress(request(), '::ffff:127.0.0.1', TRUSTED)).toBe('127.0.0.1');
    expect(clientAddress(request('198.51.100.4'), '::ffff:127.0.0.1', TRUSTED)).toBe('198.51.100.4');
    expect(clientAddress(request(), undefined, TRUSTED)).toBeNull();
  });

  it('takes the nearest untrusted hop of X-Forwarded-For, not what the client wrote first', () => {
    expect(clientAddress(request('6.6.6.6, 198.51.100.4'), '127.0.0.1', TRUSTED)).toBe('198.51.100.4');
    expect(clientAddress(request('198.51.100.4, 127.0.0.1'), '::1', TRUSTED)).toBe('198.51.100.4');
    expect(clientAddress(request('127.0.0.1'), '127.0.0.1', TRUSTED)).toBe('127.0.0.1');
  });

  it('trusts no proxy by default: X-Forwarded-For from the loopback is ignored', () => {
    const none = trustedProxies('');
    expect(clientAddress(request('198.51.100.4'), '127.0.0.1', none)).toBe('127.0.0.1');
    expect(clientAddress(request('198.51.100.4'), '::ffff:127.0.0.1', none)).toBe('127.0.0.1');
  });

  it('returns only a parsed IP address: a hop that is not one stops at the proxy', () => {
    expect(clientAddress(request('<script>, 198.51.100.4'), '127.0.0.1', TRUSTED)).toBe('198.51.100.4');
    expect(clientAddress(request('not-an-address'), '127.0.0.1', TRUSTED)).toBe('127.0.0.1');
    expect(clientAddress(request('198.51.100.4, x'.repeat(3)), '127.0.0.1', TRUSTED)).toBe('127.0.0.1');
    expect(clientAddress(request('[2001:DB8::1]'), '::1', TRUSTED)).toBe('2001:db8::1');
    expect(clientAddress(request('10.1.2.3'), '10.0.0.7', trustedProxies('10.0.0.0/8'))).toBe('10.1.2.3'); // ranges: the whole path trusted, its far end
    expect(parseIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(parseIp('1.2.3.4:80')).toBeNull();
    expect(() => trustedProxies('127.0.0.1, loclahost')).toThrow(/FACEGATE_TRUSTED_PROXIES/);
  });
});

describe('checkPasswordStrength', () => {
  it('refuses repeated, common, short, over-long and account-derived passwords with WEAK_PASSWORD', async () => {
    for (const weak of [
      'aaaaaaaaaa',
      '          ',
      'password123',
      'qwertyuiop',
      '1234567890',
      'short',
      'x'.repeat(257),
      'ann.smith@acme.test!',
    ]) {
      const error = await checkPasswordStrength(weak, ['ann.smith@acme.test']).catch((e: unknown) => e);
      expect(error, JSON.stringify(weak.slice(0, 20))).toBeInstanceOf(WeakPasswordError);
      expect((error as WeakPasswordError).code).toBe('WEAK_PASSWORD');
    }
  });

  it('accepts passphrases', async () => {
    for (const strong of ['correct horse battery', 'root password 123', 'plum orbit velvet 42', 'Tr0ub4dor&3x']) {
      await expect(checkPasswordStrength(strong)).resolves.toBeUndefined();
    }
  });
});

describe('queryCost', () => {
  it('counts objects per item, expensive fields at their price, and `first` from literals or variables', () => {
    expect(queryCost(parse('{ me { kind name } }'), undefined)).toBe(1);
    expect(queryCost(parse('{ stats { day } }'), undefined)).toBe(250);
    expect(queryCost(parse(`{ ${Array.from({ length: 999 }, (_, i) => `s${i}: stats { day }`).join(' ')} }`), undefined)).toBe(999 * 250);
    const page = '{ recognitionEvents(first: 500) { edges { node { id thumbnail door { name } } } } }';
    expect(queryCost(parse(page), undefined)).toBe(1 + 500 * (1 + 1 + 2 + 1));
    expect(queryCost(parse('query ($n: Int) { recognitionEvents(first: $n) { edges { node { id } } } }'), undefined, { n: 10 })).toBe(
      1 + 10 * 2,
    );
    // Password checks (argon2) are priced so that one request holds at most 50 of them.
    const logins = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `l${i}: login(email: "a@b.test", password: "x") { __typename }`).join(' ')} }`;
    expect(queryCost(parse(logins(50)), undefined)).toBeLessThanOrEqual(5000);
    expect(queryCost(parse(logins(51)), undefined)).toBeGreaterThan(5000);
    // Fragments count where they are spread; `first` over the page maximum counts as the maximum.
    expect(
      queryCost(
        parse('query { recognitionEvents(first: 100000) { ...E } } fragment E on RecognitionEventsConnection { edges { node { id } } }'),
        undefined,
      ),
    ).toBe(1 + 500 * 2);
  });
});

describe('metricsAccess', () => {
  it('without a token: the loopback only', () => {
    for (const peer of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '127.8.9.10'])
      expect(metricsAccess(peer, undefined, undefined), peer).toBe('allowed');
    for (const peer of ['203.0.113.9', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', undefined])
      expect(metricsAccess(peer, undefined, undefined), String(peer)).toBe('forbidden');
  });

  it('with a token: its bearer only, wherever from', () => {
    expect(metricsAccess('127.0.0.1', undefined, 'secret-token')).toBe('unauthorized');
    expect(metricsAccess('127.0.0.1', 'Bearer wrong-token', 'secret-token')).toBe('unauthorized');
    expect(metricsAccess('203.0.113.9', 'Bearer secret-token', 'secret-token')).toBe('allowed');
  });
});

describe('queryCost of introspection', () => {
  it('prices __schema whole, so 250 aliased reads are far over the limit and one full read is under it', () => {
    expect(queryCost(parse('{ __typename }'), undefined)).toBe(0);
    expect(queryCost(parse('{ __schema { types { name } } }'), undefined)).toBeLessThanOrEqual(5000);
    expect(
      queryCost(parse(`{ ${Array.from({ length: 250 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`), undefined),
    ).toBe(250 * 2000);
    expect(
      queryCost(
        parse(
          '{ ...F } fragment F on Query { a: __schema { queryType { name } } b: __schema { queryType { name } } c: __schema { queryType { name } } }',
        ),
        undefined,
      ),
    ).toBeGreaterThan(5000);
  });
});
