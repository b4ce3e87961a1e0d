import { l2Distance, type Encoding } from '@facegate/face-core';

/**
 * Complete-linkage agglomerative clustering: groups merge, nearest first, only while every pair of
 * faces across the two groups is closer than `threshold`. So every two faces of a group are closer
 * than the threshold; single linkage would chain two strangers through one face between them, which
 * is exactly the mistake a face library must not suggest. O(n^3) on n faces: callers bound n (a few
 * hundred recent faces). Returns groups of indices, largest first, each in input order.
 */
export function completeLinkage(encodings: readonly Encoding[], threshold: number): number[][] {
  const n = encodings.length;
  const distance: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) distance[i]![j] = distance[j]![i] = l2Distance(encodings[i]!, encodings[j]!);
  let groups = Array.from({ length: n }, (_, i) => [i]);
  // The largest distance between two groups (complete linkage), kept as a matrix updated on each merge.
  let link = distance.map((row) => [...row]);
  for (;;) {
    let best = { a: -1, b: -1, d: threshold };
    for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++) if (link[a]![b]! < best.d) best = { a, b, d: link[a]![b]! };
    if (best.a < 0) break;
    const merged = [...groups[best.a]!, ...groups[best.b]!].sort((x, y) => x - y);
    const keep = groups.map((_, i) => i).filter((i) => i !== best.a && i !== best.b);
    const next = [...keep.map((i) => groups[i]!), merged];
    const m = next.length - 1;
    const nextLink = next.map(() => new Array<number>(next.length).fill(0));
    keep.forEach((i, x) => {
      keep.forEach((j, y) => (nextLink[x]![y] = link[i]![j]!));
      nextLink[x]![m] = nextLink[m]![x] = Math.max(link[i]![best.a]!, link[i]![best.b]!);
    });
    groups = next;
    link = nextLink;
  }
  return groups.sort((x, y) => y.length - x.length || x[0]! - y[0]!);
}
