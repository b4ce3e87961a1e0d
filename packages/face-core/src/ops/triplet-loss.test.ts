import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorFlow } from '../backend.ts';
import { tripletLoss } from './triplet-loss.ts';

beforeAll(async () => {
  await initTensorFlow();
});

function lossOf(triplet: Parameters<typeof tripletLoss>[0], alpha: number): number {
  const loss = tripletLoss(triplet, alpha);
  try {
    expect(loss.rank).toBe(0);
    return loss.dataSync()[0]!;
  } finally {
    loss.dispose();
  }
}

describe('tripletLoss (the exercise checks)', () => {
  it('gives alpha when anchor, positive and negative coincide', () => {
    expect(lossOf([[1, 1], [1, 1], [1, 1]], 5)).toBe(5);
  });
  it('([1,1],[1,1],[0,0]) with alpha 3 gives 1', () => {
    expect(lossOf([[1, 1], [1, 1], [0, 0]], 3)).toBe(1);
  });
  it('([1,1],[0,0],[1,1]) with alpha 0 gives 2', () => {
    expect(lossOf([[1, 1], [0, 0], [1, 1]], 0)).toBe(2);
  });
  it('all zeros with alpha -2 gives 0 (the hinge clips)', () => {
    expect(lossOf([[0, 0], [0, 0], [0, 0]], -2)).toBe(0);
  });
  it('sums over a batch of (m, d) encodings', () => {
    expect(lossOf([[[1, 0], [1, 0]], [[1, 0], [1, 0]], [[0, 1], [0, 1]]], 3)).toBe(2);
  });
  it('defaults alpha to 0.2 and accepts tensors', () => {
    const [a, p, n] = [tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]])];
    expect(lossOf([a, p, n], undefined as unknown as number)).toBeCloseTo(0.2);
    const loss = tripletLoss([a, p, n]);
    expect(loss.dataSync()[0]).toBeCloseTo(0.2);
    tf.dispose([a, p, n, loss]);
  });
  it('refuses triplets of mismatched shapes', () => {
    expect(() => tripletLoss([[[1, 1]], [[1, 1, 1]], [[1, 1]]])).toThrow(/one shape/);
  });
  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    lossOf([[[1, 0], [1, 0]], [[1, 0], [1, 0]], [[0, 1], [0, 1]]], 3);
    expect(() => tripletLoss([[[1, 1]], [[1, 1, 1]], [[1, 1]]])).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
