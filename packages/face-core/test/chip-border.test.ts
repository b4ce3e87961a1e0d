import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateSourcePoints } from '../src/alignment/align.ts';
import { dlibChipTemplate } from '../src/alignment/templates.ts';
import { warpToCrop } from '../src/alignment/warp.ts';
import { decodeImage } from '../src/image/decode.ts';
import type { RgbImage } from '../src/image/rgb-image.ts';
import { createFaceEngine, facesDir, hasFaces, type FaceEngine } from '../src/index.ts';
import { estimateSimilarityTransform } from '../src/ops/similarity-transform.ts';

const seed = path.join(facesDir(), 'seed');

/** Share of the chip's bottom `rows` rows that are (near) black: the wedge issue 13 reported. */
function blackShareAtBottom(chip: RgbImage, rows = 3): number {
  let black = 0;
  for (let y = chip.height - rows; y < chip.height; y++) {
    for (let x = 0; x < chip.width; x++) {
      const i = (y * chip.width + x) * 3;
      if (chip.data[i]! + chip.data[i + 1]! + chip.data[i + 2]! < 15) black++;
    }
  }
  return black / (rows * chip.width);
}

// younes.jpg and camera_0.jpg are tight 96x96 portraits: dlib's chip (25 % padding) reaches below the
// photo's bottom edge, which used to be filled with black (a wedge along the chip's bottom edge).
describe.skipIf(!hasFaces('seed'))(`aligned chips of faces near the photo's edge (needs ${seed}; skipped when absent)`, () => {
  let engine: FaceEngine;
  beforeAll(async () => {
    engine = await createFaceEngine();
  });
  afterAll(() => engine?.dispose());

  it.each(['younes.jpg', 'camera_0.jpg'])(
    '%s: the chip reaches outside the photo, and its bottom edge repeats the photo instead of going black',
    async (file) => {
      const photo = await decodeImage(path.join(seed, file));
      const face = await engine.encodeFace(photo, { multiple: 'largest' });
      // The premise: the same crop with black outside the photo has the wedge (over a third of the bottom rows).
      const template = dlibChipTemplate(face.chip.width);
      const toCrop = estimateSimilarityTransform(templateSourcePoints(face.landmarks, template), template.points);
      expect(blackShareAtBottom(warpToCrop(photo, toCrop, template.size, 'zero'))).toBeGreaterThan(0.3);
      // The chip the encoder saw (and the thumbnail every page shows) has none.
      expect(blackShareAtBottom(face.chip)).toBe(0);
    },
  );
});
