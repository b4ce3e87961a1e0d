import { SOFT_NEAREST_TEMPERATURE, type GalleryRule } from '../matching/constants.ts';
import type { Candidate, Encoding } from '../matching/match.ts';

/**
 * Every enrolled encoding in one contiguous Float32Array (samples x dims), searched exactly with a
 * tight loop (one squared difference per number; the dot-product form 2 - 2 a.b loses the small
 * distances to float32 rounding), then the gallery rule per person. Built once from a map of
 * id -> encodings; rebuild it after a change.
 */
export class GalleryMatrix {
  readonly size: number;
  readonly dims: number;
  private readonly ids: string[];
  private readonly indexOf: Map<string, number>;
  /** samples x dims */
  private readonly samples: Float32Array;
  /** Person index of each sample (samples of one person are consecutive). */
  private readonly firstSample: Int32Array;
  /** persons x dims: each person's mean encoding, renormalised (the centroid rule). */
  private readonly centroids: Float32Array;

  constructor(people: ReadonlyMap<string, readonly Encoding[]>) {
    const entries = [...people].filter(([, encodings]) => encodings.length > 0);
    this.dims = entries[0]?.[1][0]?.length ?? 0;
    this.size = entries.length;
    this.ids = entries.map(([id]) => id);
    this.indexOf = new Map(this.ids.map((id, i) => [id, i]));
    const total = entries.reduce((n, [, e]) => n + e.length, 0);
    this.samples = new Float32Array(total * this.dims);
    this.firstSample = new Int32Array(this.size + 1);
    this.centroids = new Float32Array(this.size * this.dims);
    let row = 0;
    entries.forEach(([, encodings], person) => {
      this.firstSample[person] = row;
      const centroid = this.centroids.subarray(person * this.dims, (person + 1) * this.dims);
      for (const encoding of encodings) {
        if (encoding.length !== this.dims) throw new RangeError(`encodings differ in length: ${encoding.length} vs ${this.dims}`);
        this.samples.set(encoding, row * this.dims);
        for (let k = 0; k < this.dims; k++) centroid[k]! += encoding[k]!;
        row++;
      }
      let norm = 0;
      for (let k = 0; k < this.dims; k++) norm += centroid[k]! * centroid[k]!;
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < this.dims; k++) centroid[k]! /= norm;
    });
    this.firstSample[this.size] = row;
  }

  /** L2 distances from the probe to every row of `matrix`. */
  private sampleDistances(probe: Encoding, matrix: Float32Array, rows: number): Float64Array {
    const dims = this.dims;
    const q = Float64Array.from(probe);
    const out = new Float64Array(rows);
    for (let r = 0, base = 0; r < rows; r++, base += dims) {
      let sum = 0;
      for (let k = 0; k < dims; k++) {
        const d = q[k]! - matrix[base + k]!;
        sum += d * d;
      }
      out[r] = Math.sqrt(sum);
    }
    return out;
  }

  /** Every person's distance by the rule (id order of construction). */
  distances(probe: Encoding, rule: GalleryRule): Float64Array {
    if (probe.length !== this.dims && this.size > 0) throw new RangeError(`encodings differ in length: ${probe.length} vs ${this.dims}`);
    const out = new Float64Array(this.size);
    if (rule === 'centroid') {
      const d = this.sampleDistances(probe, this.centroids, this.size);
      for (let p = 0; p < this.size; p++) out[p] = d[p]!;
      return out;
    }
    const d = this.sampleDistances(probe, this.samples, this.firstSample[this.size]!);
    const T = SOFT_NEAREST_TEMPERATURE;
    for (let p = 0; p < this.size; p++) {
      const from = this.firstSample[p]!;
      const to = this.firstSample[p + 1]!;
      let min = Number.POSITIVE_INFINITY;
      let sum = 0;
      for (let s = from; s < to; s++) {
        min = Math.min(min, d[s]!);
        sum += d[s]!;
      }
      if (rule === 'nearest') out[p] = min;
      else if (rule === 'mean-distance') out[p] = sum / (to - from);
      else {
        let meanExp = 0;
        for (let s = from; s < to; s++) meanExp += Math.exp(-(d[s]! - min) / T);
        out[p] = min - T * Math.log(meanExp / (to - from));
      }
    }
    return out;
  }

  /** The `limit` nearest people, nearest first. */
  rank(probe: Encoding, rule: GalleryRule, limit = Number.POSITIVE_INFINITY): Candidate[] {
    const d = this.distances(probe, rule);
    const order = Array.from({ length: this.size }, (_, i) => i);
    if (limit < this.size / 4) {
      // Partial selection: keep the best `limit` in a small sorted list.
      const best: number[] = [];
      for (const i of order) {
        if (best.length === limit && d[i]! >= d[best[best.length - 1]!]!) continue;
        let at = best.length;
        while (at > 0 && d[best[at - 1]!]! > d[i]!) at--;
        best.splice(at, 0, i);
        if (best.length > limit) best.pop();
      }
      return best.map((i) => ({ identity: this.ids[i]!, distance: d[i]! }));
    }
    order.sort((a, b) => d[a]! - d[b]!);
    return order.slice(0, Math.min(limit, this.size)).map((i) => ({ identity: this.ids[i]!, distance: d[i]! }));
  }

  /** One person's distance by the rule: the exact comparison of a verification (Infinity when unknown). */
  distanceTo(id: string, probe: Encoding, rule: GalleryRule): number {
    const person = this.indexOf.get(id);
    if (person === undefined) return Number.POSITIVE_INFINITY;
    const single = new GalleryMatrix(new Map([[id, this.encodingsOf(person)]]));
    return single.distances(probe, rule)[0]!;
  }

  private encodingsOf(person: number): Encoding[] {
    const out: Encoding[] = [];
    for (let s = this.firstSample[person]!; s < this.firstSample[person + 1]!; s++) out.push(Array.from(this.samples.subarray(s * this.dims, (s + 1) * this.dims)));
    return out;
  }

  /** Bytes held by the matrices. */
  get bytes(): number {
    return this.samples.byteLength + this.centroids.byteLength + this.firstSample.byteLength;
  }
}
