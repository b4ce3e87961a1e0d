import { describe, expect, it } from 'vitest';
import { l2Distance, l2Normalize } from './l2.ts';

describe('l2Distance', () => {
  it('is the square root of the summed squared differences', () => {
    expect(l2Distance([0, 0], [3, 4])).toBe(5);
    expect(l2Distance([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it('throws when the encodings differ in length', () => {
    expect(() => l2Distance([1, 2], [1, 2, 3])).toThrow(/differ in length/);
  });
});

describe('l2Normalize', () => {
  it('scales to unit length and keeps the direction', () => {
    const v = l2Normalize([3, 4]);
    expect(v[0]).toBeCloseTo(0.6);
    expect(v[1]).toBeCloseTo(0.8);
  });

  it('refuses the zero vector', () => {
    expect(() => l2Normalize([0, 0, 0])).toThrow(RangeError);
  });
});
