import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageTooLargeError, InvalidImageError } from '../errors.ts';
import { decodeImage, MAX_DECODED_PIXELS } from './decode.ts';

/** A 40x20 test card: left half red, right half blue, so orientation is visible in the pixels. */
async function testCard(): Promise<Sharp> {
  const left = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 255 } } }).composite([
    { input: left, left: 0, top: 0 },
  ]);
}

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('decodeImage', () => {
  it('decodes JPEG, PNG and WebP bytes to 8-bit RGB', async () => {
    const card = await testCard();
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const bytes = await card
        .clone()
        .toFormat(format, { quality: 100, lossless: format === 'webp' })
        .toBuffer();
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
    const bomb = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#888' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(2_000_000);
    const before = process.memoryUsage().rss;
    await expect(decodeImage(bomb)).rejects.toThrow(ImageTooLargeError);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('never hands detection more than the pixel budget: a 6300x6300 PNG is downscaled while decoded, cheaply', async () => {
    // What an attacker sends: 39.7 M pixels (under the 40 M refusal limit) in a small PNG.
    const png = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#7a6f65' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const img = await decodeImage(png);
    const ms = performance.now() - started;
    const grew = process.memoryUsage().rss - before;
    console.info(
      `6300x6300 PNG (${png.length} bytes): decoded to ${img.width}x${img.height} in ${ms.toFixed(0)} ms, RSS +${(grew / 1048576).toFixed(0)} MB`,
    );
    expect(img.width * img.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
    expect(img.width).toBe(img.height);
    expect(img.width).toBeGreaterThan(2000);
    expect(grew).toBeLessThan(150 * 1024 * 1024); // not the 119 MB of the full RGB image, plus the detector's copies
  });

  it('downscales after EXIF orientation, keeping the aspect ratio, and leaves smaller photos alone', async () => {
    const card = await (await testCard()).png().toBuffer();
    const bytes = await sharp(card).resize(4000, 2000).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(bytes);
    expect(img.width * img.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
    expect(img.height / img.width).toBeCloseTo(2, 1); // portrait once turned upright
    expect(pixel(img, Math.floor(img.width / 2), 10)[0]).toBeGreaterThan(200); // red on top
    const small = await decodeImage(await sharp(card).resize(1600, 800).png().toBuffer());
    expect([small.width, small.height]).toEqual([1600, 800]);
    const custom = await decodeImage(await sharp(card).resize(400, 200).png().toBuffer(), { maxDecodedPixels: 20_000 });
    expect([custom.width, custom.height]).toEqual([200, 100]);
  });

  it("says what is wrong in its own words, never the decoder's", async () => {
    const jpeg = await (await testCard()).resize(400, 200).jpeg().toBuffer();
    const png = await (await testCard()).resize(400, 200).png().toBuffer();
    for (const broken of [
      jpeg.subarray(0, jpeg.length / 2),
      png.subarray(0, png.length - 40),
      Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(4000, 7)]),
    ]) {
      const error = await decodeImage(broken).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(InvalidImageError);
      expect((error as Error).message).not.toMatch(/vips|libjpeg|libspng|png_|premature|VipsJpeg|sharp|Input buffer/i);
    }
  });

  it('refuses inputs over the byte limit unread', async () => {
    await expect(decodeImage(new Uint8Array(2048), { maxBytes: 1024 })).rejects.toThrow(/more than the limit/);
  });
});
