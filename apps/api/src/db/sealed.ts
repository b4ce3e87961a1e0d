import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Marks a sealed value; anything else is a value written before encryption (read as it is). */
const MAGIC = Buffer.from('fgE1');
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = MAGIC.length + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

/**
 * Biometric data at rest (encodings and face images), sealed with AES-256-GCM:
 * "fgE1" | key id (4 bytes of SHA-256 of the key) | IV (12) | tag (16) | ciphertext; the header is
 * authenticated too. Values sealed under a previous key still open while it is in the key ring, so a
 * key can be rotated (`facegate db rotate-key` re-seals everything under the current one).
 */
export interface DataCipher {
  seal(plain: Uint8Array): Buffer<ArrayBuffer>;
  open(stored: Uint8Array): Buffer;
  /** Sealed under the current key (rotation leaves these alone). */
  isCurrent(stored: Uint8Array): boolean;
}

function keyId(key: Uint8Array): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
}

export function createDataCipher(current: Uint8Array, previous: readonly Uint8Array[] = []): DataCipher {
  for (const key of [current, ...previous]) if (key.length !== 32) throw new Error(`a data key is 32 bytes (AES-256), not ${key.length}`);
  const currentId = keyId(current);
  const ring = new Map([current, ...previous].map((key) => [keyId(key).toString('hex'), key]));
  const isSealed = (stored: Uint8Array) => stored.length >= HEADER && MAGIC.equals(stored.subarray(0, MAGIC.length));
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const header = Buffer.concat([MAGIC, currentId]);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(header);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
    },
    open(stored) {
      const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      if (!isSealed(bytes)) return bytes;
      const id = bytes.subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES);
      const key = ring.get(id.toString('hex'));
      if (!key)
        throw new Error(
          `a value is sealed under data key ${id.toString('hex')}, which is not in FACEGATE_DATA_KEY or FACEGATE_DATA_KEY_PREVIOUS`,
        );
      const ivStart = MAGIC.length + KEY_ID_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(ivStart, ivStart + IV_BYTES));
      decipher.setAAD(bytes.subarray(0, ivStart));
      decipher.setAuthTag(bytes.subarray(ivStart + IV_BYTES, HEADER));
      return Buffer.concat([decipher.update(bytes.subarray(HEADER)), decipher.final()]);
    },
    isCurrent(stored) {
      return isSealed(Buffer.from(stored)) && currentId.equals(Buffer.from(stored).subarray(MAGIC.length, MAGIC.length + KEY_ID_BYTES));
    },
  };
}

/** A key given in the environment: base64 of 32 bytes. */
export function parseDataKey(text: string, name: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), not ${key.length} bytes`);
  return key;
}
