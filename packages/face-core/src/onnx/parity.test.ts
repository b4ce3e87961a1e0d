import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ImagePyramid, warpToCrop } from '../alignment/warp.ts';
import { initTensorFlow, packageDir } from '../backend.ts';
import { blazeFaceGraph, loadOnnxBlazeFace, loadTensorFlowBlazeFace } from '../detection/blazeface.ts';
import { nchwcBlock } from './blazeface.ts';
import { exactInt8 } from './cpu.ts';
import { createOnnxNetwork } from './session.ts';
import { DETECTOR_MODEL } from '../detection/constants.ts';
import { loadOnnxDlibResNet, loadTensorFlowDlibResNet } from '../encoding/dlib-resnet.ts';
import { createFaceEngine, type EncodedFace } from '../engine.ts';
import { facesDir, hasFaces } from '../faces-dir.ts';
import { boxCenter } from '../geometry.ts';
import { decodeImage } from '../image/decode.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { DEFAULT_LANDMARK_CONFIG } from '../landmarks/constants.ts';
import { l2Distance, l2Normalize } from '../ops/l2.ts';
import { loadOnnxLandmark68, loadTensorFlowLandmark68 } from '../landmarks/landmark-68.ts';

/**
 * Each network built as an ONNX graph computes what its TensorFlow.js twin computes, on the crops of real
 * faces the engine feeds it: face-api's sample photos (always there) and, when present, photos from
 * ../shared/faces (the exercise's office and the first LFW identities).
 */
const TOLERANCE = 1e-4;

function photos(): string[] {
  const files = [1, 2, 3, 4, 5, 6].map((n) => path.join(packageDir('@vladmandic/face-api'), 'demo', `sample${n}.jpg`));
  if (hasFaces('seed'))
    files.push(...['camera_0.jpg', 'camera_1.jpg', 'younes.jpg', 'danielle.png'].map((f) => path.join(facesDir(), 'seed', f)));
  if (hasFaces('lfw-view1')) {
    const lfw = path.join(facesDir(), 'lfw-view1');
    for (const person of readdirSync(lfw)
      .filter((p) => !p.includes('.'))
      .sort()
      .slice(0, 6)) {
      const [first] = readdirSync(path.join(lfw, person)).sort();
      if (first) files.push(path.join(lfw, person, first));
    }
  }
  return files;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function stack(images: readonly RgbImage[], scale: (v: number) => number = (v) => v): Float32Array {
  const size = images[0]!.data.length;
  const out = new Float32Array(images.length * size);
  images.forEach((image, n) => {
    for (let i = 0; i < size; i++) out[n * size + i] = scale(image.data[i]!);
  });
  return out;
}

describe('ONNX networks against their TensorFlow.js twins, on real faces', () => {
  const images: RgbImage[] = [];
  const faces: (EncodedFace & { photo: RgbImage })[] = [];

  beforeAll(async () => {
    await initTensorFlow();
    const engine = await createFaceEngine();
    for (const file of photos()) {
      const image = await decodeImage(file);
      images.push(image);
      faces.push(...(await engine.findFaces(image)).map((f) => ({ ...f, photo: image })));
    }
    engine.dispose();
  });
  afterAll(() => {
    images.length = 0;
  });

  it('finds the faces to compare on', () => {
    expect(faces.length).toBeGreaterThanOrEqual(images.length);
  });

  it('dlib ResNet: the same descriptors on every aligned chip, in one batch', async () => {
    const [onnx, tfjs] = await Promise.all([loadOnnxDlibResNet(), loadTensorFlowDlibResNet()]);
    const chips = faces.map((f) => f.chip);
    const pixels = stack(chips);
    const difference = maxAbsDifference(await onnx.predict(pixels, chips.length), await tfjs.predict(pixels, chips.length));
    console.info(`dlib ResNet: ${chips.length} chips, max abs difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
    onnx.dispose();
    tfjs.dispose();
  });

  it.skipIf(!exactInt8())(
    'dlib ResNet in int8: within 0.04 of float32 on every aligned chip, and the distances between faces kept (skipped without AVX-512 VNNI, where it does not run)',
    async () => {
      const [float32, int8] = await Promise.all([loadOnnxDlibResNet(undefined, 'float32'), loadOnnxDlibResNet(undefined, 'int8')]);
      onTestFinished(() => {
        float32.dispose();
        int8.dispose();
      });
      const chips = faces.map((f) => f.chip);
      const pixels = stack(chips);
      const unit = (raw: Float32Array) => chips.map((_, i) => l2Normalize(Array.from(raw.subarray(i * 128, (i + 1) * 128))));
      const [a, b] = [unit(await float32.predict(pixels, chips.length)), unit(await int8.predict(pixels, chips.length))];
      const shifts = a.map((e, i) => l2Distance(e, b[i]!));
      // Between two faces, as the decisions compare them (thresholds 0.35-0.41).
      let distanceChange = 0;
      for (let i = 0; i < a.length; i++)
        for (let j = i + 1; j < a.length; j++)
          distanceChange = Math.max(distanceChange, Math.abs(l2Distance(a[i]!, a[j]!) - l2Distance(b[i]!, b[j]!)));
      console.info(
        `dlib ResNet int8: ${chips.length} chips, encodings moved ${Math.max(...shifts).toFixed(4)} at most, distances between faces ${distanceChange.toFixed(4)}`,
      );
      expect(Math.max(...shifts)).toBeLessThan(0.04);
      expect(distanceChange).toBeLessThan(0.04);
      // Not the float32 graph again: quantization moves every encoding a little.
      expect(Math.min(...shifts)).toBeGreaterThan(1e-4);
    },
  );

  it('68-point landmarks: the same points on every face crop', async () => {
    const size = DEFAULT_LANDMARK_CONFIG.inputSize;
    const [onnx, tfjs] = await Promise.all([loadOnnxLandmark68(size), loadTensorFlowLandmark68(size)]);
    const crops = faces.map(({ box }, n) => {
      const [cx, cy] = boxCenter(box);
      const side = Math.max(box.width, box.height) * DEFAULT_LANDMARK_CONFIG.boxScale;
      const scale = size / side;
      return warpToCrop(faces[n]!.photo, { a: scale, b: 0, tx: -(cx - side / 2) * scale, ty: -(cy - side / 2) * scale }, size);
    });
    const pixels = stack(crops);
    // (x, y) as fractions of the crop's side
    const difference = maxAbsDifference(await onnx.predict(pixels, crops.length), await tfjs.predict(pixels, crops.length));
    console.info(`68 landmarks: ${crops.length} crops, max abs difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
    onnx.dispose();
    tfjs.dispose();
  });

  it('BlazeFace: the same scores and boxes on every whole photo', async () => {
    const size = DETECTOR_MODEL.inputSize;
    const [onnx, tfjs] = await Promise.all([loadOnnxBlazeFace(), loadTensorFlowBlazeFace()]);
    // Each photo letterboxed into the network's square input, as the detector's first pass sees it.
    const windows = images.map((image) => {
      const side = Math.max(image.width, image.height);
      const scale = size / side;
      return warpToCrop(
        new ImagePyramid(image),
        { a: scale, b: 0, tx: ((side - image.width) / 2) * scale, ty: ((side - image.height) / 2) * scale },
        size,
      );
    });
    const input = stack(windows, (v) => v / 127.5 - 1);
    const [a, b] = [await onnx.predict(input, windows.length), await tfjs.predict(input, windows.length)];
    // Per anchor: a score logit, then box and keypoint coordinates in input pixels (0..128). Logits of
    // background anchors reach +-100, where float32 keeps 5 digits after the point; compare what the
    // detector uses: the score as a probability, coordinates as fractions of the input's side.
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const as = Array.from(a, (v, i) => (i % 17 === 0 ? sigmoid(v) : v / size));
    const bs = Array.from(b, (v, i) => (i % 17 === 0 ? sigmoid(v) : v / size));
    const difference = maxAbsDifference(as, bs);
    console.info(
      `BlazeFace: ${windows.length} photos x 896 anchors, max abs difference ${difference.toExponential(2)} (raw outputs ${maxAbsDifference(a, b).toExponential(2)})`,
    );
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
    onnx.dispose();
    tfjs.dispose();
  });

  it('BlazeFace: the same outputs whatever channel block the graph is padded to (1, 8, 16: other CPUs)', async () => {
    const size = DETECTOR_MODEL.inputSize;
    const windows = images.map((image) => {
      const side = Math.max(image.width, image.height);
      const scale = size / side;
      return warpToCrop(
        new ImagePyramid(image),
        { a: scale, b: 0, tx: ((side - image.width) / 2) * scale, ty: ((side - image.height) / 2) * scale },
        size,
      );
    });
    const input = stack(windows, (v) => v / 127.5 - 1);
    const outputs: Float32Array[] = [];
    for (const block of [1, 8, 16]) {
      const net = await createOnnxNetwork(await blazeFaceGraph(undefined, block), `BlazeFace c${block}`);
      outputs.push((await net.run(input, [windows.length, size, size, 3])).data);
      await net.dispose();
    }
    // Zero channels add exact zeros; the kernels' order of summation differs. Compared as the detector
    // uses them (as above): scores as probabilities, coordinates as fractions of the input.
    const used = (raw: Float32Array) => Array.from(raw, (v, i) => (i % 17 === 0 ? 1 / (1 + Math.exp(-v)) : v / size));
    const [plain, eight, sixteen] = outputs.map(used) as [number[], number[], number[]];
    expect(maxAbsDifference(plain, eight)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDifference(plain, sixteen)).toBeLessThanOrEqual(TOLERANCE);
    expect(nchwcBlock('arm64', null)).toBe(1);
    expect(nchwcBlock('x64', 'flags\t\t: fpu sse2 avx avx2 fma')).toBe(8);
    expect(nchwcBlock('x64', 'flags\t\t: fpu sse2 avx avx2 avx512f avx512bw')).toBe(16);
    // int8 only where its sums are exact (VNNI)
    expect(exactInt8('x64', 'flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni')).toBe(true);
    expect(exactInt8('x64', 'flags\t\t: fpu sse2 avx avx2 avx_vnni')).toBe(false);
    expect(exactInt8('x64', 'flags\t\t: fpu sse2 avx avx2 avx512f')).toBe(false);
    expect(exactInt8('arm64', null)).toBe(false);
  });
});
