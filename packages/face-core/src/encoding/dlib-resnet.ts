import path from 'node:path';
import { initBackend, initTensorFlow, packageDir, type BackendName } from '../backend.ts';
import { loadFaceApiNet } from '../face-api.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { buildDlibResNet } from '../onnx/dlib-resnet.ts';
import { exactInt8 } from '../onnx/cpu.ts';
import { createOnnxNetwork } from '../onnx/session.ts';
import { cachedGraph } from '../onnx/graph-cache.ts';
import { faceApiWeightFiles, readFaceApiWeights } from '../onnx/weights.ts';
import { l2Normalize } from '../ops/l2.ts';
import { tensorFlow } from '../tensorflow.ts';
import { ModelLoadError } from '../errors.ts';
import { DEFAULT_ENCODER_CONFIG, ENCODER_INPUT_SIZE, ENCODING_LENGTH, type EncoderConfig, type EncoderPrecision } from './constants.ts';
import int8Calibration from './dlib-resnet-int8-ranges.json' with { type: 'json' };
import type { DlibResNetParams } from './dlib-resnet-graph.ts';

export interface FaceEncoder {
  /** One L2-normalised 128-number encoding per aligned 150x150 chip. */
  encode(chips: readonly RgbImage[]): Promise<number[][]>;
  dispose(): void;
}

/** The network alone: [n, 150, 150, 3] RGB in 0..255 (NHWC, flat) -> [n, 128] descriptors, not normalised. */
export interface DlibResNetRunner {
  predict(pixels: Float32Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

const SIZE = ENCODER_INPUT_SIZE;

const defaultModelDir = () => path.join(packageDir('@vladmandic/face-api'), 'model');

/** dlib's ResNet as an ONNX graph built from face-api's weights file (a cached file, or bytes). */
export async function dlibResNetGraph(modelDir = defaultModelDir(), precision: EncoderPrecision = 'float32'): Promise<string | Uint8Array> {
  const name = 'face_recognition_model';
  const weightFiles = await faceApiWeightFiles(modelDir, name);
  if (precision === 'int8') {
    const ranges = int8Ranges();
    return cachedGraph('dlib-resnet-int8', [...weightFiles, new TextEncoder().encode(JSON.stringify(ranges))], async () =>
      buildDlibResNet(await readFaceApiWeights(modelDir, name), { kind: 'int8', ranges }),
    );
  }
  return cachedGraph('dlib-resnet', weightFiles, async () => buildDlibResNet(await readFaceApiWeights(modelDir, name)));
}

/** The int8 graph's calibrated activation ranges (dlib-resnet-int8-ranges.json, from scripts/calibrate-encoder-int8.ts). */
function int8Ranges(): Record<string, [number, number]> {
  return Object.fromEntries(
    Object.entries(int8Calibration.ranges).map(([point, range]) => {
      const [min, max] = range;
      if (range.length !== 2 || min === undefined || max === undefined || !(min <= max))
        throw new ModelLoadError(`dlib-resnet-int8-ranges.json: bad range for ${point}`);
      return [point, [min, max]];
    }),
  );
}

/** dlib's ResNet on ONNX Runtime. */
export async function loadOnnxDlibResNet(modelDir = defaultModelDir(), precision: EncoderPrecision = 'float32'): Promise<DlibResNetRunner> {
  if (precision === 'int8' && !exactInt8())
    throw new ModelLoadError(
      'the int8 encoder needs an x86-64 CPU with AVX-512 VNNI (avx512_vnni), where it was measured; use float32 (README "Encoder precision")',
    );
  const net = await createOnnxNetwork(await dlibResNetGraph(modelDir, precision), `dlib ResNet (${precision})`);
  return {
    predict: async (pixels, count) => (await net.run(pixels, [count, SIZE, SIZE, 3])).data,
    dispose: () => void net.dispose(),
  };
}

/** dlib's ResNet on TensorFlow.js (the backend initTensorFlow chose), face-api's weights folded. */
export async function loadTensorFlowDlibResNet(modelDir?: string): Promise<DlibResNetRunner> {
  await initTensorFlow();
  const tf = tensorFlow();
  // The TensorFlow.js graph (and TensorFlow.js) load only when this backend runs.
  const { FoldedDlibResNet } = await import('./dlib-resnet-graph.ts');
  // face-api reads dlib's weights from its package; we keep them folded and free its copy.
  const faceApiNet = await loadFaceApiNet('FaceRecognitionNet', modelDir);
  const net = new FoldedDlibResNet((faceApiNet as unknown as { params: DlibResNetParams }).params);
  faceApiNet.dispose();
  return {
    async predict(pixels, count) {
      const output = tf.tidy(() => net.predict(tf.tensor4d(pixels, [count, SIZE, SIZE, 3])));
      try {
        return (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
    },
    dispose: () => net.dispose(),
  };
}

export async function load(config: Partial<EncoderConfig> = {}, backend?: BackendName): Promise<FaceEncoder> {
  const cfg = { ...DEFAULT_ENCODER_CONFIG, ...config };
  const onnx = (backend ?? (await initBackend())) === 'onnx';
  if (!onnx && cfg.precision === 'int8')
    throw new ModelLoadError(
      'the int8 encoder runs on ONNX Runtime only, which did not load here; use float32 (README "Encoder precision")',
    );
  const net = onnx ? await loadOnnxDlibResNet(cfg.modelDir, cfg.precision) : await loadTensorFlowDlibResNet(cfg.modelDir);
  const chipValues = SIZE * SIZE * 3;

  async function encodeBatch(chips: readonly RgbImage[]): Promise<number[][]> {
    for (const chip of chips) {
      if (chip.width !== SIZE || chip.height !== SIZE)
        throw new RangeError(`chips must be ${SIZE}x${SIZE}, got ${chip.width}x${chip.height}`);
    }
    // [n, 150, 150, 3]; with mirror, the n mirror images follow: [2n, 150, 150, 3]
    const count = cfg.mirror ? 2 * chips.length : chips.length;
    const pixels = new Float32Array(count * chipValues);
    chips.forEach((chip, i) => {
      pixels.set(chip.data, i * chipValues);
      if (cfg.mirror) mirrorInto(chip.data, pixels, (chips.length + i) * chipValues);
    });
    // -> [count, 128]; with mirror, each face's two descriptors are summed
    const flat = await net.predict(pixels, count);
    return chips.map((_, i) => {
      const encoding = Array.from(flat.subarray(i * ENCODING_LENGTH, (i + 1) * ENCODING_LENGTH));
      if (cfg.mirror) {
        const mirrored = (chips.length + i) * ENCODING_LENGTH;
        for (let k = 0; k < ENCODING_LENGTH; k++) encoding[k]! += flat[mirrored + k]!;
      }
      return l2Normalize(encoding);
    });
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

/** Writes the left-right mirror image of a 150x150 RGB chip into `out` at `offset`. */
function mirrorInto(data: Uint8Array, out: Float32Array, offset: number): void {
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const from = (y * SIZE + x) * 3;
      const to = offset + (y * SIZE + SIZE - 1 - x) * 3;
      out[to] = data[from]!;
      out[to + 1] = data[from + 1]!;
      out[to + 2] = data[from + 2]!;
    }
  }
}
