// Representations that must be identical on SQLite and PostgreSQL, hidden behind helpers.

/** Face encodings are 128 float32 values, stored little-endian: 512 bytes. */
export const ENCODING_LENGTH = 128;
export const ENCODING_BYTES = ENCODING_LENGTH * 4;

export function encodeEncoding(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  if (values.length !== ENCODING_LENGTH) {
    throw new Error(`Face encoding must have ${ENCODING_LENGTH} values, got ${values.length}`);
  }
  const bytes = new Uint8Array(ENCODING_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ENCODING_LENGTH; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) throw new Error(`Face encoding value ${i} is not finite: ${value}`);
    view.setFloat32(i * 4, value, true);
  }
  return bytes;
}

export function decodeEncoding(bytes: Uint8Array): number[] {
  if (bytes.byteLength !== ENCODING_BYTES) {
    throw new Error(`Face encoding must be ${ENCODING_BYTES} bytes, got ${bytes.byteLength}`);
  }
  // DataView with an explicit little-endian flag: independent of the host's byte order and of alignment.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: ENCODING_LENGTH }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * API key scopes are a JSON array of strings in a text column (SQLite has no lists; one representation
 * for both providers). Serialised sorted and without duplicates so equal sets compare equal.
 */
export function serializeScopes(scopes: Iterable<string>): string {
  const unique = [...new Set(scopes)].sort();
  for (const scope of unique) {
    if (scope.trim() === '' || scope !== scope.trim()) throw new Error(`Invalid scope ${JSON.stringify(scope)}`);
  }
  return JSON.stringify(unique);
}

export function parseScopes(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((scope) => typeof scope === 'string')) {
    throw new Error(`Stored scopes are not a JSON array of strings: ${text}`);
  }
  return value;
}
