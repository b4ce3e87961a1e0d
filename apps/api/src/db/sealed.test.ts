import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataCipher } from './sealed.ts';

describe('sealed biometric data (AES-256-GCM)', () => {
  const face = Buffer.from('a JPEG of a face, or 512 bytes of encoding');

  it('seals so that the plaintext is not in the stored bytes, and opens again', () => {
    const cipher = createDataCipher(randomBytes(32));
    const stored = cipher.seal(face);
    expect(stored.includes(face.subarray(0, 16))).toBe(false);
    expect(cipher.open(stored)).toEqual(face);
    // A fresh IV each time: equal faces do not give equal rows.
    expect(cipher.seal(face).equals(stored)).toBe(false);
  });

  it('refuses a tampered value and a value sealed under an unknown key', () => {
    const cipher = createDataCipher(randomBytes(32));
    const stored = cipher.seal(face);
    stored[stored.length - 1]! ^= 1;
    expect(() => cipher.open(stored)).toThrow();
    expect(() => createDataCipher(randomBytes(32)).open(cipher.seal(face))).toThrow(/not in FACEGATE_DATA_KEY/);
  });

  it('opens values sealed under a previous key, which rotation then re-seals under the current one', () => {
    const old = randomBytes(32);
    const stored = createDataCipher(old).seal(face);
    const rotated = createDataCipher(randomBytes(32), [old]);
    expect(rotated.isCurrent(stored)).toBe(false);
    expect(rotated.open(stored)).toEqual(face);
    expect(rotated.isCurrent(rotated.seal(rotated.open(stored)))).toBe(true);
  });

  it('reads values written before encryption as they are', () => {
    expect(createDataCipher(randomBytes(32)).open(new Uint8Array([0xff, 0xd8, 1, 2]))).toEqual(Buffer.from([0xff, 0xd8, 1, 2]));
  });
});
