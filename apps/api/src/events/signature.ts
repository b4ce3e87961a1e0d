import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The headers a facegate webhook request carries (lower-case, as Node's `req.headers` has them). */
export const WEBHOOK_HEADERS = {
  /** Unix time in seconds when the request was signed. */
  timestamp: 'x-facegate-timestamp',
  /** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` (several, space-separated, while a secret rotates). */
  signature: 'x-facegate-signature',
  /** The message id: the same for every retry and replay of one message, so receivers can deduplicate. */
  id: 'x-facegate-id',
  /** The delivery log row (a replay is a new row). */
  delivery: 'x-facegate-delivery',
} as const;

/** A new signing secret: `whsec_` and 32 random bytes in base64url. It is used as it is (its UTF-8 bytes) as the HMAC key. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** `v1=<hex>`: HMAC-SHA256 with the secret over `${timestamp}.${body}`. */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** How old (or how far in the future) a timestamp may be; older requests are refused as replays. Default 300 s. */
  toleranceSeconds?: number;
  /** The receiver's clock (tests); default now. */
  now?: Date;
}

/**
 * For receivers: true when `signature` (the X-Facegate-Signature header) is the secret's HMAC of
 * `${timestamp}.${body}` and `timestamp` (X-Facegate-Timestamp) is within the tolerance of now. `body`
 * must be the raw request body, byte for byte, not re-serialised JSON. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string,
  signature: string | null | undefined,
  options: VerifyOptions = {},
): boolean {
  if (timestamp === null || timestamp === undefined || !signature) return false;
  const text = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(text)) return false;
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - Number(text)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, text, body).slice(3), 'hex');
  return signature
    .split(/[\s,]+/)
    .filter((part) => part.startsWith('v1='))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
