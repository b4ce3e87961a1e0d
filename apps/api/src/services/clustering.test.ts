import { describe, expect, it } from 'vitest';
import { completeLinkage } from './clustering.ts';

const at = (x: number, y = 0) => [x, y];

describe('completeLinkage', () => {
  it('groups faces whose every pair is under the threshold, largest group first', () => {
    expect(completeLinkage([at(0), at(10), at(0.1), at(10.2), at(0.2), at(50)], 1)).toEqual([[0, 2, 4], [1, 3], [5]]);
  });
  it('does not chain: a face between two others joins one group, not both', () => {
    // 0 - 0.6 - 1.2: each neighbour under 1, the ends 1.2 apart.
    const groups = completeLinkage([at(0), at(0.6), at(1.2)], 1);
    expect(groups).toHaveLength(2);
    for (const g of groups) for (const i of g) for (const j of g) expect(Math.abs(i - j) * 0.6).toBeLessThan(1);
  });
  it('keeps everyone apart at a threshold of zero, and handles no face', () => {
    expect(completeLinkage([at(0), at(0)], 0)).toEqual([[0], [1]]);
    expect(completeLinkage([], 0.5)).toEqual([]);
  });
});
