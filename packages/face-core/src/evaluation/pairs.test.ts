import { describe, expect, it } from 'vitest';
import { parsePairList } from './pairs.ts';

describe('parsePairList', () => {
  it('reads a View 1 list: same-person and different-person lines', () => {
    const list = parsePairList('1\nAaron_Peirsol\t1\t2\nAJ_Cook\t1\tMarsha_Thomason\t1\n', '/lfw');
    expect(list.protocol).toBe('single');
    expect(list.folds[0]).toEqual([
      { a: '/lfw/Aaron_Peirsol/Aaron_Peirsol_0001.jpg', b: '/lfw/Aaron_Peirsol/Aaron_Peirsol_0002.jpg', same: true },
      { a: '/lfw/AJ_Cook/AJ_Cook_0001.jpg', b: '/lfw/Marsha_Thomason/Marsha_Thomason_0001.jpg', same: false },
    ]);
  });

  it('splits a View 2 list into its folds', () => {
    const fold = 'A\t1\t2\nB\t1\tC\t1\n';
    const list = parsePairList(`2 1\n${fold}${fold}`, '/lfw');
    expect(list.protocol).toBe('10-fold');
    expect(list.folds).toHaveLength(2);
    expect(list.folds[1]).toHaveLength(2);
  });

  it('rejects malformed lines and wrong counts with the line number', () => {
    expect(() => parsePairList('1\nA\t1\n', '/lfw')).toThrow(/line 2/);
    expect(() => parsePairList('3\nA\t1\t2\n', '/lfw')).toThrow(/promises 3/);
  });
});
