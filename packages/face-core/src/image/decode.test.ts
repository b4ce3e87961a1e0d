import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageTooLargeError, InvalidImageError } from '../errors.ts';
import { decodeImage } from './decode.ts';

/** A 40x20 test card: left half red, right half blue, so orientation is visible in the pixels. */
async function testCard(): Promise<Sharp> {
  const left = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  return sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 255 } } }).composite([{ input: left, left: 0, top: 0 }]);
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('decodeImage', () => {
  it('decodes JPEG, PNG and WebP bytes to 8-bit RGB', async () => {
    const card = await testCard();
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const bytes = await card.clone().toFormat(format, { quality: 100, lossless: format === 'webp' }).toBuffer();
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([40, 20, 40 * 20 * 3]);
      expect(pixel(img, 5, 10)[0]).toBeGreaterThan(200); // red on the left
      expect(pixel(img, 35, 10)[2]).toBeGreaterThan(200); // blue on the right
    }
  });

  it('honours EXIF orientation', async () => {
    // Orientation 6: the stored pixels must be turned 90 degrees clockwise to display upright.
    const bytes = await (await testCard()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([20, 40]);
    expect(pixel(img, 10, 5)[0]).toBeGreaterThan(200); // red is now on top
  });

  it('converts grayscale, alpha, CMYK and 16-bit photos', async () => {
    const card = await testCard();
    const inputs = [
      await card.clone().grayscale().png().toBuffer(),
      await card.clone().ensureAlpha(0.5).png().toBuffer(),
      await card.clone().toColourspace('cmyk').jpeg().toBuffer(),
      await card.clone().toColourspace('rgb16').png().toBuffer(),
    ];
    for (const bytes of inputs) {
      const img = await decodeImage(bytes);
      expect(img.data.length).toBe(img.width * img.height * 3);
    }
    const cmyk = await decodeImage(inputs[2]!);
    expect(pixel(cmyk, 5, 10)[0]).toBeGreaterThan(180);
  });

  it('refuses empty, non-image and truncated input with InvalidImageError', async () => {
    await expect(decodeImage(new Uint8Array(0))).rejects.toThrow(InvalidImageError);
    await expect(decodeImage(new TextEncoder().encode('hello, not a photo'))).rejects.toThrow(InvalidImageError);
    const jpeg = await (await testCard()).resize(400, 200).jpeg().toBuffer();
    await expect(decodeImage(jpeg.subarray(0, jpeg.length / 2))).rejects.toThrow(InvalidImageError);
    await expect(decodeImage('/no/such/photo.jpg')).rejects.toThrow(InvalidImageError);
  });

  it('refuses formats we do not read', async () => {
    const gif = await (await testCard()).gif().toBuffer();
    await expect(decodeImage(gif)).rejects.toThrow(/unsupported image format gif/);
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    // 9000 x 9000 of one colour: a few hundred kB of PNG, 243 MB once decoded, over the 40 M pixel default.
    const bomb = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#888' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(2_000_000);
    const before = process.memoryUsage().rss;
    await expect(decodeImage(bomb)).rejects.toThrow(ImageTooLargeError);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('refuses inputs over the byte limit unread', async () => {
    await expect(decodeImage(new Uint8Array(2048), { maxBytes: 1024 })).rejects.toThrow(/more than the limit/);
  });
});
