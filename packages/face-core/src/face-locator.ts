import { alignFace } from './alignment/align.ts';
import { dlibChipTemplate } from './alignment/templates.ts';
import { ImagePyramid } from './alignment/warp.ts';
import { initBackend, type BackendName } from './backend.ts';
import type { DetectorConfig } from './detection/constants.ts';
import * as detection from './detection/blazeface.ts';
import { ENCODER_INPUT_SIZE } from './encoding/constants.ts';
import type { Box } from './geometry.ts';
import type { DecodeConfig } from './image/constants.ts';
import { decodeImage, type ImageSource } from './image/decode.ts';
import * as landmarks from './landmarks/landmark-68.ts';
import { measureQuality, type FaceQuality } from './quality.ts';

/** A face found in a frame, without its encoding: where it is, and how good a probe it would make. */
export interface LocatedFace {
  readonly box: Box;
  readonly score: number;
  readonly quality: FaceQuality;
}

export interface FrameFaces {
  readonly width: number;
  readonly height: number;
  /** Every detection, largest first. */
  readonly boxes: readonly Box[];
  /** The largest face with its quality (the one a door would decide on), or null. */
  readonly largest: LocatedFace | null;
}

/**
 * Detection, landmarks and quality without the encoder: what a camera needs to follow a face and pick
 * its best frames before sending them to the API, which encodes. About a third of the engine's cost.
 */
export interface FaceLocator {
  locate(source: ImageSource): Promise<FrameFaces>;
  dispose(): void;
}

export async function createFaceLocator(
  config: { decode?: Partial<DecodeConfig>; detector?: Partial<DetectorConfig>; backend?: BackendName } = {},
): Promise<FaceLocator> {
  const backend = config.backend ?? (await initBackend());
  const [detector, locator] = await Promise.all([detection.load(config.detector, backend), landmarks.load({}, backend)]);
  // The chip the API would measure quality on: the encoder's alignment.
  const template = dlibChipTemplate(ENCODER_INPUT_SIZE);
  return {
    async locate(source) {
      const image = await decodeImage(source, config.decode);
      const pyramid = ImagePyramid.of(image);
      // The fast setting only: a camera frame is a single detector run, and a face too small for it is too small to decide on.
      const found = (await detector.detect(pyramid)).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      const first = found[0];
      let largest: LocatedFace | null = null;
      if (first) {
        const [points] = await locator.locateAll(pyramid, [first.box]);
        largest = { box: first.box, score: first.score, quality: measureQuality(alignFace(pyramid, points!, template), points!) };
      }
      return { width: image.width, height: image.height, boxes: found.map((f) => f.box), largest };
    },
    dispose() {
      detector.dispose();
      locator.dispose();
    },
  };
}
