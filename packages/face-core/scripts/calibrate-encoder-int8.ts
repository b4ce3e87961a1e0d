// Calibrates the int8 encoder: runs the float32 dlib ResNet on aligned faces of LFW View 1 DevTrain
// (the photos LFW sets aside for choosing settings; DevTest and celeba-dev stay for measuring) and their
// mirror images, and writes the range each quantized activation took to
// src/encoding/dlib-resnet-int8-ranges.json, from which the int8 graph is built. Deterministic: the same
// photos give the same file. About a minute on 2 cores.
//
//   npx tsx packages/face-core/scripts/calibrate-encoder-int8.ts [--photos 150]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageDir } from '../src/backend.ts';
import { ENCODER_INPUT_SIZE } from '../src/encoding/constants.ts';
import { createFaceEngine } from '../src/engine.ts';
import { parsePairList } from '../src/evaluation/pairs.ts';
import { facesDir } from '../src/faces-dir.ts';
import { buildDlibResNet, DLIB_RESNET_INPUT } from '../src/onnx/dlib-resnet.ts';
import { loadOnnxRuntime, SESSION_OPTIONS } from '../src/onnx/session.ts';
import { readFaceApiWeights } from '../src/onnx/weights.ts';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '150' } } });
const lfw = path.join(facesDir(), 'lfw-view1');
const list = parsePairList(await readFile(path.join(lfw, 'pairsDevTrain.txt'), 'utf8'), lfw);
const every = [...new Set(list.folds.flat().flatMap((p) => [p.a, p.b]))];
// Spread over the list (it is sorted by name), so that many people and conditions are seen.
const step = Math.max(1, Math.floor(every.length / Number(values.photos)));
const photos = every.filter((_, i) => i % step === 0).slice(0, Number(values.photos));

const ort = await loadOnnxRuntime();
if (!ort) throw new Error('onnxruntime-node is not available');
const probe = buildDlibResNet(await readFaceApiWeights(path.join(packageDir('@vladmandic/face-api'), 'model'), 'face_recognition_model'), {
  kind: 'probe',
});
const session = await ort.InferenceSession.create(probe, SESSION_OPTIONS);
const engine = await createFaceEngine({ encoder: { precision: 'float32' } });

const size = ENCODER_INPUT_SIZE;
const ranges: Record<string, [number, number]> = {};
let chips = 0;
for (const photo of photos) {
  const face = (await engine.findFaces(photo))[0];
  if (!face) continue;
  // [2, 150, 150, 3]: the chip and its mirror image, as the encoder runs them
  const pixels = new Float32Array(2 * size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        const v = face.chip.data[(y * size + x) * 3 + c]!;
        pixels[(y * size + x) * 3 + c] = v;
        pixels[size * size * 3 + (y * size + size - 1 - x) * 3 + c] = v;
      }
    }
  }
  const outputs = await session.run({ [DLIB_RESNET_INPUT]: new ort.Tensor('float32', pixels, [2, size, size, 3]) });
  for (const [name, tensor] of Object.entries(outputs)) {
    if (!name.startsWith('probe:')) continue;
    const point = name.slice('probe:'.length);
    const range = (ranges[point] ??= [0, 0]);
    for (const v of tensor.data as Float32Array) {
      if (v < range[0]) range[0] = v;
      if (v > range[1]) range[1] = v;
    }
  }
  chips += 2;
}
engine.dispose();
await session.release();

const file = fileURLToPath(new URL('../src/encoding/dlib-resnet-int8-ranges.json', import.meta.url));
const calibration = {
  about:
    'Range of each activation of the float32 dlib ResNet on the calibration faces; the int8 graph quantizes each over its range (onnx/quantize.ts).',
  source: `LFW View 1 DevTrain, ${photos.length} photos spread over pairsDevTrain.txt, ${chips} chips (each face and its mirror image)`,
  script: 'packages/face-core/scripts/calibrate-encoder-int8.ts',
  ranges,
};
await writeFile(file, `${JSON.stringify(calibration, null, 2)}\n`);
console.info(`${Object.keys(ranges).length} activation ranges from ${chips} chips -> ${path.relative(process.cwd(), file)}`);
