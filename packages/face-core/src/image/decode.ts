import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { ImageTooLargeError, InvalidImageError } from '../errors.ts';
import { DEFAULT_DECODE_CONFIG, SUPPORTED_FORMATS, type DecodeConfig } from './constants.ts';
import type { RgbImage } from './rgb-image.ts';

export type ImageSource = string | Uint8Array;

/**
 * The most pixels a decoded photo has: larger photos are downscaled while they are decoded (JPEG and
 * WebP shrink on load; PNG is streamed through the resize), so detection, and the memory it needs,
 * never grows with the upload. 2048x2048 keeps the faces of a group photo over the detector's minimum.
 */
export const MAX_DECODED_PIXELS = 2048 * 2048;

export interface DecodeOptions extends DecodeConfig {
  /** Photos over this many pixels are downscaled to it (default MAX_DECODED_PIXELS). */
  readonly maxDecodedPixels: number;
}

/**
 * Decodes a JPEG, PNG or WebP photo (bytes or a file path) to upright 8-bit sRGB: EXIF orientation
 * applied, grayscale/CMYK/16-bit converted, transparency flattened onto mid grey, downscaled to at most
 * `maxDecodedPixels`. Refuses empty, truncated, unknown and over-large inputs with a typed error before
 * doing heavy work. Error messages are our own: the decoder's (libvips) stay in `cause`.
 */
export async function decodeImage(source: ImageSource, config: Partial<DecodeOptions> = {}): Promise<RgbImage> {
  const cfg: DecodeOptions = { ...DEFAULT_DECODE_CONFIG, maxDecodedPixels: MAX_DECODED_PIXELS, ...config };
  const bytes = typeof source === 'string' ? await readSource(source, cfg.maxBytes) : source;
  if (bytes.byteLength === 0) throw new InvalidImageError('the image is empty (0 bytes)');
  if (bytes.byteLength > cfg.maxBytes)
    throw new InvalidImageError(`the image is ${bytes.byteLength} bytes, more than the limit of ${cfg.maxBytes}`);

  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new InvalidImageError('not a readable image', { cause });
  }
  if (!metadata.format || !(SUPPORTED_FORMATS as readonly string[]).includes(metadata.format)) {
    throw new InvalidImageError(`unsupported image format ${metadata.format ?? 'unknown'}; use JPEG, PNG or WebP`);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width < 1 || height < 1) throw new InvalidImageError('the image has no pixels');
  if (width * height > cfg.maxPixels) throw new ImageTooLargeError(width * height, cfg.maxPixels);

  // Within a square box, "inside" scales the longer side whatever the EXIF orientation turns out to be.
  const box =
    width * height > cfg.maxDecodedPixels
      ? Math.max(1, Math.floor(Math.max(width, height) * Math.sqrt(cfg.maxDecodedPixels / (width * height))))
      : 0;

  try {
    let pipeline = sharp(bytes, { limitInputPixels: cfg.maxPixels, failOn: 'truncated', sequentialRead: true }).rotate(); // honour EXIF orientation
    if (box > 0) pipeline = pipeline.resize({ width: box, height: box, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await pipeline
      .flatten({ background: { r: 128, g: 128, b: 128 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new InvalidImageError(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    if (cause instanceof InvalidImageError) throw cause;
    throw new InvalidImageError('the image could not be decoded: it is damaged, truncated or not what its format says', { cause });
  }
}

async function readSource(file: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (cause) {
    throw new InvalidImageError(`cannot read ${file}`, { cause });
  }
  if (size > maxBytes) throw new InvalidImageError(`${file} is ${size} bytes, more than the limit of ${maxBytes}`);
  return readFile(file);
}
