import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { initTensorFlow, packageDir, type BackendName } from '../backend.ts';
import { loadFaceApiNet } from '../face-api.ts';
import { FoldedDlibResNet, type DlibResNetParams } from './dlib-resnet-graph.ts';
import { ModelLoadError } from '../errors.ts';
import { encoderModelId, encoderPrecision } from './constants.ts';
import { load } from './dlib-resnet.ts';

/** A 150x150 crop of a real face from a photo shipped with face-api. */
async function faceChip(): Promise<Uint8Array> {
  const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  return new Uint8Array(
    await sharp(sample).extract({ left: 1160, top: 90, width: 260, height: 260 }).resize(150, 150).removeAlpha().raw().toBuffer(),
  );
}

describe('dlib ResNet encoder', () => {
  it('computes what face-api computes, with its layers folded', async () => {
    await initTensorFlow();
    const pixels = await faceChip();
    const reference = await loadFaceApiNet('FaceRecognitionNet');
    const folded = new FoldedDlibResNet((reference as unknown as { params: DlibResNetParams }).params);
    const input = tf.tensor4d(pixels, [1, 150, 150, 3], 'int32');
    const expected = await reference.forward(input);
    const actual = folded.predict(input.toFloat() as tf.Tensor4D);
    const difference = tf.max(tf.abs(tf.sub(expected, actual)));
    expect(difference.dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([input, expected, actual, difference]);
    folded.dispose();
    reference.dispose();
  });

  it.each<BackendName>(['onnx', 'wasm'])(
    'returns plain arrays of 128 unit-length numbers, one per chip, and frees its tensors (%s)',
    async (backend) => {
      await initTensorFlow();
      const encoder = await load({ batchSize: 2 }, backend);
      const pixels = await faceChip();
      const chip = { data: pixels, width: 150, height: 150 };
      const before = tf.memory().numTensors;
      const encodings = await encoder.encode([chip, chip, chip]);
      expect(tf.memory().numTensors).toBe(before);
      expect(encodings).toHaveLength(3);
      for (const e of encodings) {
        expect(Array.isArray(e)).toBe(true);
        expect(e).toHaveLength(128);
        expect(Math.hypot(...e)).toBeCloseTo(1, 6);
      }
      // With mirroring on (the default) a face and its mirror image encode alike.
      const mirrored = new Uint8Array(pixels.length);
      for (let y = 0; y < 150; y++)
        for (let x = 0; x < 150; x++) mirrored.set(pixels.subarray((y * 150 + x) * 3, (y * 150 + x) * 3 + 3), (y * 150 + 149 - x) * 3);
      const [again] = await encoder.encode([{ data: mirrored, width: 150, height: 150 }]);
      again!.forEach((v, i) => expect(v).toBeCloseTo(encodings[0]![i]!, 4));
      await expect(encoder.encode([{ data: new Uint8Array(3 * 100 * 100), width: 100, height: 100 }])).rejects.toThrow(/150x150/);
      expect(tf.memory().numTensors).toBe(before);
      encoder.dispose();
    },
  );

  it('refuses the int8 encoder where ONNX Runtime does not run it, with a typed error', async () => {
    await expect(load({ precision: 'int8' }, 'wasm')).rejects.toThrow(ModelLoadError);
    expect(encoderPrecision(undefined)).toBe('float32');
    expect(encoderPrecision('int8')).toBe('int8');
    expect(() => encoderPrecision('fp16')).toThrow(/float32 or int8/);
    expect(encoderModelId('int8')).not.toBe(encoderModelId('float32'));
  });
});
