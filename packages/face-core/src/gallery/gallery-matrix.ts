import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Index as UsearchIndex, Matches } from 'usearch';
import { SOFT_NEAREST_TEMPERATURE, type GalleryRule } from '../matching/constants.ts';
import type { Candidate, Encoding } from '../matching/match.ts';

// usearch's ES module finds its native build from the caller's stack, which fails under loaders such
// as tsx (endless recursion); its CommonJS build finds it from __dirname.
const { exactSearch, Index, MetricKind, ScalarKind } = createRequire(import.meta.url)('usearch') as typeof import('usearch');
type Index = UsearchIndex;

/** What the decision layer searches: the people it holds, the nearest by a rule, one person exactly. */
export interface SearchableGallery {
  /** People that can be found (with at least one sample). */
  readonly size: number;
  rank(probe: Encoding, rule: GalleryRule, limit?: number): Candidate[];
  distanceTo(id: string, probe: Encoding, rule: GalleryRule): number;
}

export interface GalleryMatrixOptions {
  /**
   * Build an approximate index (HNSW, usearch) once this many samples are held, and retrieve the
   * candidates through it; below, and until the index has caught up, search is exact. Infinity: never.
   */
  readonly annThreshold?: number;
  /** HNSW graph degree (usearch `connectivity`). */
  readonly connectivity?: number;
  /** HNSW beam width while adding. */
  readonly expansionAdd?: number;
  /** HNSW beam width while searching (at least the number of samples retrieved). */
  readonly expansionSearch?: number;
  /** Samples retrieved per person wanted, before the exact per-person distances. */
  readonly oversample?: number;
  /**
   * Where a background build of the index runs: in a worker thread (`worker`, the default: the main
   * thread only copies the vectors and loads the built index), or on the main thread in chunks (`main`).
   */
  readonly buildIn?: 'worker' | 'main';
  /** Threads a worker build uses (usearch's own): 1 leaves the other cores to the doors. */
  readonly buildThreads?: number;
}

/** Above 20,000 samples: exact search there costs about 1-2 ms, the index's search a fraction of it. */
export const DEFAULT_ANN_THRESHOLD = 20_000;

interface Person {
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
interface Rows {
  readonly data: Float32Array;
  readonly count: number;
  person(row: number): Person;
}

const EMPTY: readonly never[] = [];
/** Slack on float32 squared distances when proving that no unseen person can be nearer. */
const BOUND_SLACK = 1e-4;

/**
 * Every enrolled encoding in one contiguous Float32Array (samples x dims), kept in step with changes
 * (`set`, `delete`, `setActive`) without a rebuild. Search retrieves the nearest samples (SIMD brute
 * force through usearch's exactSearch, or its HNSW index above `annThreshold` samples), then computes
 * every retrieved person's distance exactly (float64, all their samples, the gallery rule). Exact mode
 * proves its answer: it widens the retrieval until no person left out can be nearer than the ones
 * kept (each rule's distance is at least the person's nearest sample). Inactive people stay in the
 * matrix (enrolment checks search them) and are skipped unless `includeInactive`.
 */
export class GalleryMatrix implements SearchableGallery {
  private dimsValue = 0;
  private data = new Float32Array(0);
  private rows = 0;
  private owner: Person[] = [];
  private rowKey = new Float64Array(0);
  private readonly people = new Map<string, Person>();
  /** Dense over people: slot -> person. */
  private slots: Person[] = [];
  private centroids = new Float32Array(0);
  private activePeople = 0;
  private nextKey = 0;
  private readonly rowOfKey = new Map<number, number>();
  private index: Index | null = null;
  /** Keys removed from the index since it was built (its tombstones). */
  private removedFromIndex = 0;
  private indexing: Promise<void> | null = null;
  private constructing = false;
  readonly options: Required<GalleryMatrixOptions>;

  constructor(people: ReadonlyMap<string, readonly Encoding[]> = new Map(), options: GalleryMatrixOptions = {}) {
    this.options = { annThreshold: Number.POSITIVE_INFINITY, connectivity: 16, expansionAdd: 80, expansionSearch: 320, oversample: 4, buildIn: 'worker', buildThreads: 1, ...options };
    const total = [...people.values()].reduce((n, e) => n + e.length, 0);
    this.constructing = true;
    for (const [id, encodings] of people) {
      if (this.dimsValue === 0 && encodings[0]) this.reserve(total, encodings[0].length);
      this.set(id, encodings);
    }
    this.constructing = false;
    if (this.rows >= this.options.annThreshold) void this.buildIndexInBackground();
  }

  get dims(): number {
    return this.dimsValue;
  }

  /** Active people with at least one sample. */
  get size(): number {
    return this.activePeople;
  }

  /** Everyone held, inactive people included. */
  get sizeWithInactive(): number {
    return this.slots.length;
  }

  get samples(): number {
    return this.rows;
  }

  /** 'hnsw' when candidates come from the approximate index, 'exact' otherwise. */
  get mode(): 'exact' | 'hnsw' {
    return this.index ? 'hnsw' : 'exact';
  }

  has(id: string): boolean {
    return this.people.has(id);
  }

  private reserve(rows: number, dims: number): void {
    if (this.dimsValue === 0) this.dimsValue = dims;
    const capacity = this.data.length / this.dimsValue;
    if (rows <= capacity) return;
    const next = Math.max(rows, Math.ceil(capacity * 1.5), 64);
    const data = new Float32Array(next * this.dimsValue);
    data.set(this.data.subarray(0, this.rows * this.dimsValue));
    this.data = data;
    const keys = new Float64Array(next);
    keys.set(this.rowKey.subarray(0, this.rows));
    this.rowKey = keys;
  }

  private reserveSlots(count: number): void {
    const capacity = this.centroids.length / this.dimsValue;
    if (count <= capacity) return;
    const next = Math.max(count, Math.ceil(capacity * 1.5), 64);
    const centroids = new Float32Array(next * this.dimsValue);
    centroids.set(this.centroids.subarray(0, this.slots.length * this.dimsValue));
    this.centroids = centroids;
  }

  /** Adds or replaces a person's samples (none: removes them). */
  set(id: string, encodings: readonly Encoding[], active = true): void {
    this.delete(id);
    if (encodings.length === 0) return;
    const dims = this.dimsValue || encodings[0]!.length;
    for (const e of encodings) if (e.length !== dims) throw new RangeError(`encodings differ in length: ${e.length} vs ${dims}`);
    this.reserve(this.rows + encodings.length, dims);
    this.reserveSlots(this.slots.length + 1);
    const person: Person = { id, rows: [], keys: [], slot: this.slots.length, active };
    this.slots.push(person);
    this.people.set(id, person);
    if (active) this.activePeople++;
    const added = new Float32Array(encodings.length * dims);
    const addedKeys = new BigUint64Array(encodings.length);
    const centroid = new Float64Array(dims);
    encodings.forEach((encoding, i) => {
      const row = this.rows++;
      const key = this.nextKey++;
      this.data.set(encoding, row * dims);
      added.set(encoding, i * dims);
      addedKeys[i] = BigInt(key);
      this.owner[row] = person;
      this.rowKey[row] = key;
      this.rowOfKey.set(key, row);
      person.rows.push(row);
      person.keys.push(key);
      for (let k = 0; k < dims; k++) centroid[k]! += encoding[k]!;
    });
    let norm = 0;
    for (let k = 0; k < dims; k++) norm += centroid[k]! * centroid[k]!;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < dims; k++) this.centroids[person.slot * dims + k] = centroid[k]! / norm;
    if (this.index) this.index.add(addedKeys, added, 1);
    else if (this.rows >= this.options.annThreshold && !this.indexing && !this.constructing) void this.buildIndexInBackground();
  }

  /** Removes a person and their samples; false when unknown. */
  delete(id: string): boolean {
    const person = this.people.get(id);
    if (!person) return false;
    this.people.delete(id);
    if (person.active) this.activePeople--;
    if (this.index && person.keys.length > 0) {
      this.index.remove(BigUint64Array.from(person.keys, BigInt));
      this.removedFromIndex += person.keys.length;
    }
    for (const key of person.keys) this.rowOfKey.delete(key);
    // Highest rows first, so that a row moved into a hole is never one still to be removed.
    for (const row of [...person.rows].sort((a, b) => b - a)) this.removeRow(row);
    const last = this.slots.pop()!;
    if (last !== person) {
      const dims = this.dimsValue;
      this.centroids.copyWithin(person.slot * dims, last.slot * dims, (last.slot + 1) * dims);
      last.slot = person.slot;
      this.slots[person.slot] = last;
    }
    // Tombstones slow the graph down and hold memory: rebuild once they are a quarter of it.
    if (this.index && this.removedFromIndex > Math.max(1000, this.rows / 4) && !this.indexing) void this.buildIndexInBackground();
    if (this.index && this.rows < this.options.annThreshold / 2) this.index = null;
    return true;
  }

  /** Swap-remove: the last row moves into the hole (its HNSW key does not change). */
  private removeRow(row: number): void {
    const last = --this.rows;
    if (row !== last) {
      const dims = this.dimsValue;
      this.data.copyWithin(row * dims, last * dims, (last + 1) * dims);
      const moved = this.owner[last]!;
      const key = this.rowKey[last]!;
      this.owner[row] = moved;
      this.rowKey[row] = key;
      this.rowOfKey.set(key, row);
      moved.rows[moved.rows.indexOf(last)] = row;
    }
    this.owner.length = last;
  }

  /** Activation: an inactive person is held (found by enrolment checks) but not identified. */
  setActive(id: string, active: boolean): void {
    const person = this.people.get(id);
    if (!person || person.active === active) return;
    person.active = active;
    this.activePeople += active ? 1 : -1;
  }

  isActive(id: string): boolean {
    return this.people.get(id)?.active ?? false;
  }

  /** (Re)builds the HNSW index over every sample, synchronously. */
  buildIndex(): void {
    const index = this.newIndex();
    if (this.rows > 0) index.add(BigUint64Array.from(this.rowKey.subarray(0, this.rows), (k) => BigInt(k)), this.data.subarray(0, this.rows * this.dimsValue), 0);
    this.index = index;
    this.removedFromIndex = 0;
  }

  /**
   * Builds the HNSW index in chunks, yielding to the event loop between them; searches stay exact (or
   * on the previous index) meanwhile, and changes made meanwhile are caught up before it is used.
   */
  buildIndexInBackground(chunk = 2000): Promise<void> {
    if (this.indexing) return this.indexing;
    this.indexing = (async () => {
      const firstNewKey = this.nextKey;
      const keys = this.rowKey.slice(0, this.rows);
      const indexed: number[] = [];
      let index: Index | null = null;
      if (this.options.buildIn === 'worker') {
        try {
          index = await this.buildInWorker(keys);
          indexed.push(...keys);
        } catch (error) {
          // A worker that cannot start or build: the main thread builds, in chunks, as before.
          process.emitWarning(`HNSW index build in a worker failed (${(error as Error).message}); building on the main thread`);
        }
      }
      index ??= this.newIndex();
      const add = async (list: ArrayLike<number>) => {
        for (let from = 0; from < list.length; from += chunk) {
          const live: number[] = [];
          for (let i = from; i < Math.min(list.length, from + chunk); i++) if (this.rowOfKey.has(list[i]!)) live.push(list[i]!);
          const vectors = new Float32Array(live.length * this.dimsValue);
          live.forEach((key, i) => {
            const row = this.rowOfKey.get(key)!;
            vectors.set(this.data.subarray(row * this.dimsValue, (row + 1) * this.dimsValue), i * this.dimsValue);
          });
          if (live.length > 0) index.add(BigUint64Array.from(live, BigInt), vectors, 0);
          indexed.push(...live);
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      if (indexed.length === 0) await add(keys);
      // Keys are never reused: samples added meanwhile have keys from firstNewKey on.
      let caughtUp = firstNewKey;
      while (caughtUp < this.nextKey) {
        const until = this.nextKey;
        await add(Array.from({ length: until - caughtUp }, (_, i) => caughtUp + i));
        caughtUp = until;
      }
      // Samples removed meanwhile.
      const gone = indexed.filter((key) => !this.rowOfKey.has(key));
      if (gone.length > 0) index.remove(BigUint64Array.from(gone, BigInt));
      this.index = index;
      this.removedFromIndex = gone.length;
    })().finally(() => {
      this.indexing = null;
    });
    return this.indexing;
  }

  /**
   * Builds an index of the rows holding `keys` in a worker thread and loads it. The vectors are copied
   * (and transferred), so the main thread's rows may change meanwhile: the caller catches up.
   */
  private async buildInWorker(keys: Uint32Array | Float64Array | ArrayLike<number>): Promise<Index> {
    const count = keys.length;
    const vectors = new Float32Array(count * this.dimsValue);
    for (let i = 0; i < count; i++) {
      const row = this.rowOfKey.get(keys[i]!)!;
      vectors.set(this.data.subarray(row * this.dimsValue, (row + 1) * this.dimsValue), i * this.dimsValue);
    }
    const bigKeys = BigUint64Array.from(Array.prototype.slice.call(keys) as number[], (k) => BigInt(k));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facegate-hnsw-'));
    const file = path.join(dir, 'index.usearch');
    try {
      const worker = new Worker(new URL('./hnsw-build-worker.mjs', import.meta.url));
      const done = new Promise<void>((resolve, reject) => {
        worker.once('message', (answer: { ok: boolean; error?: string }) => (answer.ok ? resolve() : reject(new Error(answer.error))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the index worker exited (${code})`)));
      });
      const { connectivity, expansionAdd, expansionSearch, buildThreads } = this.options;
      worker.postMessage({ path: file, dims: this.dimsValue, connectivity, expansionAdd, expansionSearch, threads: buildThreads, keys: bigKeys, vectors }, [bigKeys.buffer, vectors.buffer]);
      try {
        await done;
      } finally {
        await worker.terminate();
      }
      const index = this.newIndex();
      index.load(file);
      return index;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Resolves once no index build is under way. */
  async whenIndexed(): Promise<void> {
    while (this.indexing) await this.indexing;
  }

  private newIndex(): Index {
    return new Index({
      dimensions: this.dimsValue,
      metric: MetricKind.L2sq,
      quantization: ScalarKind.F16,
      connectivity: this.options.connectivity,
      expansion_add: this.options.expansionAdd,
      expansion_search: this.options.expansionSearch,
      multi: false,
    });
  }

  /** Exact squared L2 distance (float64) from the probe to one row of a matrix. */
  private static squared(q: Float64Array, m: Float32Array, base: number, dims: number): number {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k + 3 < dims; k += 4) {
      const d0 = q[k]! - m[base + k]!;
      const d1 = q[k + 1]! - m[base + k + 1]!;
      const d2 = q[k + 2]! - m[base + k + 2]!;
      const d3 = q[k + 3]! - m[base + k + 3]!;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; k < dims; k++) {
      const d = q[k]! - m[base + k]!;
      s0 += d * d;
    }
    return s0 + s1 + s2 + s3;
  }

  /** One person's exact distance by the rule. */
  private personDistance(person: Person, q: Float64Array, rule: GalleryRule): number {
    const dims = this.dimsValue;
    if (rule === 'centroid') return Math.sqrt(GalleryMatrix.squared(q, this.centroids, person.slot * dims, dims));
    const rows = person.rows;
    if (rows.length === 1) return Math.sqrt(GalleryMatrix.squared(q, this.data, rows[0]! * dims, dims));
    let min = Number.POSITIVE_INFINITY;
    let sum = 0;
    const d = rows.map((row) => Math.sqrt(GalleryMatrix.squared(q, this.data, row * dims, dims)));
    for (const v of d) {
      if (v < min) min = v;
      sum += v;
    }
    if (rule === 'nearest') return min;
    if (rule === 'mean-distance') return sum / d.length;
    let meanExp = 0;
    for (const v of d) meanExp += Math.exp(-(v - min) / SOFT_NEAREST_TEMPERATURE);
    return min - SOFT_NEAREST_TEMPERATURE * Math.log(meanExp / d.length);
  }

  private probe(probe: Encoding): Float64Array {
    if (probe.length !== this.dimsValue && this.rows > 0) throw new RangeError(`encodings differ in length: ${probe.length} vs ${this.dimsValue}`);
    return Float64Array.from(probe);
  }

  /** The `limit` nearest people by the rule, nearest first (active people unless `includeInactive`). */
  rank(probe: Encoding, rule: GalleryRule, limit = Number.POSITIVE_INFINITY, options: { includeInactive?: boolean; exact?: boolean } = {}): Candidate[] {
    const wanted = Math.min(limit, options.includeInactive ? this.slots.length : this.activePeople);
    if (wanted <= 0 || this.rows === 0) return [];
    const q = this.probe(probe);
    const include = (p: Person) => p.active || options.includeInactive === true;
    const matrix: Rows =
      rule === 'centroid'
        ? { data: this.centroids, count: this.slots.length, person: (row) => this.slots[row]! }
        : { data: this.data, count: this.rows, person: (row) => this.owner[row]! };
    const approximate = this.index !== null && rule !== 'centroid' && options.exact !== true;
    let retrieve = Math.max(32, Math.ceil(wanted * this.options.oversample));
    for (;;) {
      if (retrieve * 2 >= matrix.count || wanted > 4096) return this.scan(q, rule, wanted, include);
      const hits = approximate ? this.searchIndex(q, retrieve) : this.searchExact(matrix, q, retrieve);
      const seen = new Set<Person>();
      const found: Candidate[] = [];
      for (const row of hits.rows) {
        const person = matrix.person(row);
        if (seen.has(person)) continue;
        seen.add(person);
        if (include(person)) found.push({ identity: person.id, distance: this.personDistance(person, q, rule) });
      }
      found.sort((a, b) => a.distance - b.distance);
      if (approximate) {
        if (found.length >= wanted || hits.rows.length < retrieve) return found.slice(0, wanted);
      } else {
        // Anyone not retrieved is at least as far as the farthest sample retrieved.
        const bound = Math.sqrt(Math.max(0, hits.farthest - BOUND_SLACK));
        if (found.length >= wanted && found[wanted - 1]!.distance <= bound) return found.slice(0, wanted);
      }
      retrieve *= 4;
    }
  }

  /** Rows of the `count` nearest samples (SIMD brute force), and the farthest squared distance among them. */
  private searchExact(matrix: Rows, q: Float64Array, count: number): { rows: number[]; farthest: number } {
    const dims = this.dimsValue;
    const result = exactSearch(matrix.data.subarray(0, matrix.count * dims), Float32Array.from(q), dims, count, MetricKind.L2sq, 1) as Matches;
    const rows = Array.from(result.keys, Number);
    return { rows, farthest: result.distances[result.distances.length - 1] ?? Number.POSITIVE_INFINITY };
  }

  private searchIndex(q: Float64Array, count: number): { rows: number[]; farthest: number } {
    const result = this.index!.search(Float32Array.from(q), count, 1) as Matches;
    const rows: number[] = [];
    for (const key of result.keys) {
      const row = this.rowOfKey.get(Number(key));
      if (row !== undefined) rows.push(row);
    }
    return { rows, farthest: Number.POSITIVE_INFINITY };
  }

  /** Every person's exact distance, the nearest `wanted` kept. */
  private scan(q: Float64Array, rule: GalleryRule, wanted: number, include: (p: Person) => boolean): Candidate[] {
    const dims = this.dimsValue;
    const distance = new Float64Array(this.slots.length);
    if (rule === 'centroid' || rule === 'soft-nearest' || rule === 'mean-distance') {
      for (let s = 0; s < this.slots.length; s++) distance[s] = this.personDistance(this.slots[s]!, q, rule);
    } else {
      distance.fill(Number.POSITIVE_INFINITY);
      for (let row = 0, base = 0; row < this.rows; row++, base += dims) {
        const d = GalleryMatrix.squared(q, this.data, base, dims);
        const slot = this.owner[row]!.slot;
        if (d < distance[slot]!) distance[slot] = d;
      }
      for (let s = 0; s < distance.length; s++) distance[s] = Math.sqrt(distance[s]!);
    }
    const order: number[] = [];
    for (let s = 0; s < this.slots.length; s++) if (include(this.slots[s]!)) order.push(s);
    order.sort((a, b) => distance[a]! - distance[b]!);
    return order.slice(0, wanted).map((s) => ({ identity: this.slots[s]!.id, distance: distance[s]! }));
  }

  /**
   * One person's distance by the rule: the exact comparison of a verification (Infinity when unknown,
   * or inactive unless `includeInactive`).
   */
  distanceTo(id: string, probe: Encoding, rule: GalleryRule, options: { includeInactive?: boolean } = {}): number {
    const person = this.people.get(id);
    if (!person || (!person.active && options.includeInactive !== true)) return Number.POSITIVE_INFINITY;
    return this.personDistance(person, this.probe(probe), rule);
  }

  /** A searchable view over everyone held, inactive people included (for enrolment checks). */
  withInactive(): SearchableGallery {
    return {
      size: this.slots.length,
      rank: (probe, rule, limit) => this.rank(probe, rule, limit, { includeInactive: true }),
      distanceTo: (id, probe, rule) => this.distanceTo(id, probe, rule, { includeInactive: true }),
    };
  }

  /** Every person's samples, as held (float32). */
  encodingsOf(id: string): Encoding[] {
    const person = this.people.get(id);
    if (!person) return EMPTY as never[];
    return person.rows.map((row) => Array.from(this.data.subarray(row * this.dimsValue, (row + 1) * this.dimsValue)));
  }

  /** Bytes held by the matrices (the HNSW index's own memory not included). */
  get bytes(): number {
    return this.data.byteLength + this.centroids.byteLength + this.rowKey.byteLength;
  }
}
