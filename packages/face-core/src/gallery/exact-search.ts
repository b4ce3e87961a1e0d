// The exact side of the gallery's search: a person's distance by the rule, the nearest samples by brute
// force, and the scan of every person; over the matrices GalleryMatrix keeps.
import type { Matches } from 'usearch';
import type { GalleryRule } from '../matching/constants.ts';
import type { Candidate } from '../matching/match.ts';
import { ruleDistance, squaredL2 } from './distances.ts';
import { usearch } from './hnsw-index.ts';

const { exactSearch, MetricKind } = usearch;

export interface Person {
  readonly id: string;
  /** Rows of `data` holding this person's samples. */
  rows: number[];
  /** HNSW key of each sample (same order as rows). */
  keys: number[];
  /** Row in `centroids` (dense over people). */
  slot: number;
  active: boolean;
}

/** Rows of a matrix whose sample rows can be searched and mapped to people. */
export interface Rows {
  readonly data: Float32Array;
  readonly count: number;
  person(row: number): Person;
}

/** The matrices searched: samples (rows x dims) with their owners, and one centroid per person slot. */
export interface Matrices {
  readonly dims: number;
  readonly data: Float32Array;
  readonly rows: number;
  readonly owner: readonly Person[];
  readonly centroids: Float32Array;
  readonly slots: readonly Person[];
}

/** Slack on float32 squared distances when proving that no unseen person can be nearer. */
export const BOUND_SLACK = 1e-4;

/** One person's exact distance by the rule. */
export function personDistance(m: Matrices, person: Person, q: Float64Array, rule: GalleryRule): number {
  const { dims } = m;
  if (rule === 'centroid') return Math.sqrt(squaredL2(q, m.centroids, person.slot * dims, dims));
  const rows = person.rows;
  if (rows.length === 1) return Math.sqrt(squaredL2(q, m.data, rows[0]! * dims, dims));
  return ruleDistance(
    rows.map((row) => Math.sqrt(squaredL2(q, m.data, row * dims, dims))),
    rule,
  );
}

/** Rows of the `count` nearest samples (SIMD brute force), and the farthest squared distance among them. */
export function searchExact(matrix: Rows, dims: number, q: Float64Array, count: number): { rows: number[]; farthest: number } {
  const result = exactSearch(
    matrix.data.subarray(0, matrix.count * dims),
    Float32Array.from(q),
    dims,
    count,
    MetricKind.L2sq,
    1,
  ) as Matches;
  const rows = Array.from(result.keys, Number);
  return { rows, farthest: result.distances[result.distances.length - 1] ?? Number.POSITIVE_INFINITY };
}

/** Every person's exact distance, the nearest `wanted` kept. */
export function scan(m: Matrices, q: Float64Array, rule: GalleryRule, wanted: number, include: (p: Person) => boolean): Candidate[] {
  const { dims, slots } = m;
  const distance = new Float64Array(slots.length);
  if (rule === 'centroid' || rule === 'soft-nearest' || rule === 'mean-distance') {
    for (let s = 0; s < slots.length; s++) distance[s] = personDistance(m, slots[s]!, q, rule);
  } else {
    distance.fill(Number.POSITIVE_INFINITY);
    for (let row = 0, base = 0; row < m.rows; row++, base += dims) {
      const d = squaredL2(q, m.data, base, dims);
      const slot = m.owner[row]!.slot;
      if (d < distance[slot]!) distance[slot] = d;
    }
    for (let s = 0; s < distance.length; s++) distance[s] = Math.sqrt(distance[s]!);
  }
  const order: number[] = [];
  for (let s = 0; s < slots.length; s++) if (include(slots[s]!)) order.push(s);
  order.sort((a, b) => distance[a]! - distance[b]!);
  return order.slice(0, wanted).map((s) => ({ identity: slots[s]!.id, distance: distance[s]! }));
}
