export interface DecodeConfig {
  /** Photos with more pixels than this are refused before they are decoded (decompression bombs). */
  readonly maxPixels: number;
  /** Inputs larger than this many bytes are refused unread. */
  readonly maxBytes: number;
}

export const DEFAULT_DECODE_CONFIG: DecodeConfig = {
  maxPixels: 40_000_000, // a 7300x5500 photo; a 4000x3000 phone photo is 12 M
  maxBytes: 50 * 1024 * 1024,
};

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp'] as const;
