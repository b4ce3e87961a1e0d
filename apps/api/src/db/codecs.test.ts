import { describe, expect, it } from 'vitest';
import { decodeEncoding, encodeEncoding, ENCODING_BYTES, parseScopes, serializeScopes } from './codecs.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { generateApiKey, hashPassword, parseApiKey, verifyApiKeySecret, verifyPassword } from './secrets.ts';

describe('face encodings', () => {
  it('are 128 float32 little-endian values', () => {
    const values = Array.from({ length: 128 }, (_, i) => i / 7 - 9);
    const bytes = encodeEncoding(values);
    expect(bytes.byteLength).toBe(ENCODING_BYTES);
    expect(new DataView(bytes.buffer).getFloat32(4, true)).toBe(Math.fround(1 / 7 - 9));
    expect(decodeEncoding(bytes)).toEqual(values.map(Math.fround));
    expect(decodeEncoding(encodeEncoding(new Float32Array(values)))).toEqual(values.map(Math.fround));
  });

  it('decode from a view into a larger buffer', () => {
    const bytes = encodeEncoding(Array.from({ length: 128 }, (_, i) => i));
    const padded = new Uint8Array(ENCODING_BYTES + 3);
    padded.set(bytes, 3);
    expect(decodeEncoding(padded.subarray(3))[127]).toBe(127);
  });

  it('reject wrong lengths and non-finite values', () => {
    expect(() => encodeEncoding([1, 2, 3])).toThrow(/128 values/);
    expect(() => encodeEncoding(Array.from({ length: 128 }, () => Number.NaN))).toThrow(/not finite/);
    expect(() => decodeEncoding(new Uint8Array(511))).toThrow(/512 bytes/);
    expect(() => decodeEncoding(new Uint8Array(0))).toThrow(/512 bytes/);
  });
});

describe('scopes', () => {
  it('serialise as a sorted JSON array without duplicates', () => {
    const text = serializeScopes(['verify', 'identify', 'verify']);
    expect(text).toBe('["identify","verify"]');
    expect(parseScopes(text)).toEqual(['identify', 'verify']);
    expect(parseScopes(serializeScopes([]))).toEqual([]);
  });

  it('reject blank scopes and corrupt stored values', () => {
    expect(() => serializeScopes([' '])).toThrow(/Invalid scope/);
    expect(() => parseScopes('{"a":1}')).toThrow(/JSON array of strings/);
    expect(() => parseScopes('[1]')).toThrow(/JSON array of strings/);
  });
});

describe('secrets', () => {
  it('hash admin passwords with argon2id', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'wrong')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('generate API keys whose secret verifies against the stored sha256', () => {
    const { key, prefix, secretHash } = generateApiKey();
    const parsed = parseApiKey(key);
    expect(parsed?.prefix).toBe(prefix);
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyApiKeySecret(parsed!.secret, secretHash)).toBe(true);
    expect(verifyApiKeySecret(`${parsed!.secret}x`, secretHash)).toBe(false);
    expect(parseApiKey('fg_short_x')).toBeUndefined();
  });
});

describe('DATABASE_URL', () => {
  it('selects the provider, resolves SQLite paths and takes the PostgreSQL schema out of the URL', () => {
    expect(parseDatabaseUrl('file:/tmp/x.db')).toMatchObject({ provider: 'sqlite', filename: '/tmp/x.db' });
    expect(parseDatabaseUrl('file:./data/x.db')).toMatchObject({ filename: `${process.cwd()}/data/x.db` });
    const pg = parseDatabaseUrl('postgresql://u:p@localhost:5432/db?schema=facegate&sslmode=disable');
    expect(pg).toMatchObject({
      provider: 'postgresql',
      schema: 'facegate',
      connectionString: 'postgresql://u:p@localhost:5432/db?sslmode=disable',
    });
    expect(() => parseDatabaseUrl('mysql://x')).toThrow(/file: .*postgresql/);
    expect(() => parseDatabaseUrl('file::memory:')).toThrow(/SQLite file/);
    expect(() => parseDatabaseUrl('postgresql://h/db?schema=a;drop')).toThrow(/schema name/);
  });
});
