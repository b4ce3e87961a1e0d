import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { loadFaceApiNet } from '../face-api.ts';
import { FoldedDlibResNet, type DlibResNetParams } from './dlib-resnet-graph.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { l2Normalize } from '../ops/l2.ts';
import { DEFAULT_ENCODER_CONFIG, ENCODER_INPUT_SIZE, ENCODING_LENGTH, type EncoderConfig } from './constants.ts';

export interface FaceEncoder {
  /** One L2-normalised 128-number encoding per aligned 150x150 chip. */
  encode(chips: readonly RgbImage[]): Promise<number[][]>;
  dispose(): void;
}

export async function load(config: Partial<EncoderConfig> = {}): Promise<FaceEncoder> {
  const cfg = { ...DEFAULT_ENCODER_CONFIG, ...config };
  await initBackend();
  // face-api reads dlib's weights from its package; we keep them folded and free its copy.
  const faceApiNet = await loadFaceApiNet('FaceRecognitionNet', cfg.modelDir);
  const net = new FoldedDlibResNet((faceApiNet as unknown as { params: DlibResNetParams }).params);
  faceApiNet.dispose();
  const size = ENCODER_INPUT_SIZE;

  async function encodeBatch(chips: readonly RgbImage[]): Promise<number[][]> {
    for (const chip of chips) {
      if (chip.width !== size || chip.height !== size) throw new RangeError(`chips must be ${size}x${size}, got ${chip.width}x${chip.height}`);
    }
    const pixels = new Uint8Array(chips.length * size * size * 3);
    chips.forEach((chip, i) => pixels.set(chip.data, i * size * size * 3));
    let output: tf.Tensor2D | undefined;
    try {
      output = tf.tidy(() => {
        const batch = tf.tensor4d(pixels, [chips.length, size, size, 3], 'int32').toFloat() as tf.Tensor4D;
        // [n, 150, 150, 3] -> [n, 128]; with mirror, [2n, ...] -> [2n, 128] -> summed pairs [n, 128]
        if (!cfg.mirror) return net.predict(batch);
        const both = net.predict(tf.concat([batch, tf.reverse(batch, 2)]));
        const [plain, mirrored] = tf.split(both, 2);
        return tf.add(plain!, mirrored!) as tf.Tensor2D;
      });
      const flat = await output.data();
      return chips.map((_, i) => l2Normalize(Array.from(flat.subarray(i * ENCODING_LENGTH, (i + 1) * ENCODING_LENGTH))));
    } finally {
      output?.dispose();
    }
  }

  return {
    async encode(chips) {
      const encodings: number[][] = [];
      for (let i = 0; i < chips.length; i += cfg.batchSize) {
        encodings.push(...(await encodeBatch(chips.slice(i, i + cfg.batchSize))));
      }
      return encodings;
    },
    dispose() {
      net.dispose();
    },
  };
}
