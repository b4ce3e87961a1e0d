import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tripletLoss } from './triplet-loss.ts';

describe('tripletLoss (the exercise checks, alpha default 0.2)', () => {
  it('gives alpha when anchor, positive and negative coincide', () => {
    expect(
      tripletLoss(
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        5,
      ),
    ).toBe(5);
  });
  it('([1,1],[1,1],[0,0]) with alpha 3 gives 1', () => {
    expect(
      tripletLoss(
        [
          [1, 1],
          [1, 1],
          [0, 0],
        ],
        3,
      ),
    ).toBe(1);
  });
  it('([1,1],[0,0],[1,1]) with alpha 0 gives 2', () => {
    expect(
      tripletLoss(
        [
          [1, 1],
          [0, 0],
          [1, 1],
        ],
        0,
      ),
    ).toBe(2);
  });
  it('all zeros with alpha -2 gives 0 (the hinge clips)', () => {
    expect(
      tripletLoss(
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        -2,
      ),
    ).toBe(0);
  });
  it('sums over a batch of (m, d) encodings', () => {
    expect(
      tripletLoss(
        [
          [
            [1, 0],
            [1, 0],
          ],
          [
            [1, 0],
            [1, 0],
          ],
          [
            [0, 1],
            [0, 1],
          ],
        ],
        3,
      ),
    ).toBe(2);
  });
  it('defaults alpha to 0.2 and accepts typed arrays and tensors', () => {
    expect(tripletLoss([new Float32Array([1, 0]), new Float32Array([1, 0]), new Float32Array([1, 0])])).toBeCloseTo(0.2, 12);
    const [a, p, n] = [tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]])];
    expect(tripletLoss([a, p, n], 3)).toBe(1);
    tf.dispose([a, p, n]);
  });
  it('refuses triplets of mismatched shapes', () => {
    expect(() => tripletLoss([[[1, 1]], [[1, 1, 1]], [[1, 1]]])).toThrow(/one shape/);
    expect(() =>
      tripletLoss([
        [
          [1, 1],
          [1, 1],
        ],
        [[1, 1]],
        [[1, 1]],
      ]),
    ).toThrow(/one shape/);
  });

  it('works straight after import in a fresh process, with no backend initialised', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = [
      // The wasm backend registered (as the engine's TensorFlow.js fallback does) but never initialised:
      // the old TensorFlow.js tripletLoss threw "backend 'wasm' has not yet been initialized" here.
      "import '@tensorflow/tfjs-backend-wasm';",
      "import { tripletLoss, l2Distance, l2Normalize, verify, whoIsIt } from '@facegate/face-core';",
      'const checks = [',
      '  tripletLoss([[1, 1], [1, 1], [1, 1]], 5),',
      '  tripletLoss([[1, 1], [1, 1], [0, 0]], 3),',
      '  tripletLoss([[1, 1], [0, 0], [1, 1]], 0),',
      '  tripletLoss([[0, 0], [0, 0], [0, 0]], -2),',
      '  tripletLoss([[[1, 0], [1, 0]], [[1, 0], [1, 0]], [[0, 1], [0, 1]]], 3),',
      '];',
      "const db = new Map([['x', [l2Normalize([1, 0])]]]);",
      "const v = verify([1, 0], 'x', db);",
      'const w = whoIsIt([0.99, 0.14], db);',
      'console.log(JSON.stringify({ checks, d: l2Distance([0, 0], [3, 4]), v: v.match, w: w.identity }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ checks: [5, 1, 2, 0, 2], d: 5, v: true, w: 'x' });
  }, 60_000);
});
