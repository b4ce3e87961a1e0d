import type { Matches } from 'usearch';
import type { GalleryRule } from '../matching/constants.ts';
import type { Candidate, Encoding } from '../matching/match.ts';
import { BOUND_SLACK, personDistance, scan, searchExact, type Matrices, type Person, type Rows } from './exact-search.ts';
import { buildHnswIndex, newHnswIndex, type HnswOptions, type Index, type IndexSource } from './hnsw-index.ts';

/** What the decision layer searches: the people it holds, the nearest by a rule, one person exactly. */
export interface SearchableGallery {
  /** People that can be found (with at least one sample). */
  readonly size: number;
  rank(probe: Encoding, rule: GalleryRule, limit?: number): Candidate[];
  distanceTo(id: string, probe: Encoding, rule: GalleryRule): number;
}

export interface GalleryMatrixOptions extends Partial<HnswOptions> {
  /**
   * Build an approximate index (HNSW, usearch) once this many samples are held, and retrieve the
   * candidates through it; below, and until the index has caught up, search is exact. Infinity: never.
   */
  readonly annThreshold?: number;
  /** Samples retrieved per person wanted, before the exact per-person distances. */
  readonly oversample?: number;
}

/** Above 20,000 samples: exact search there costs about 1-2 ms, the index's search a fraction of it. */
export const DEFAULT_ANN_THRESHOLD = 20_000;

const EMPTY: readonly never[] = [];

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
    this.options = {
      annThreshold: Number.POSITIVE_INFINITY,
      connectivity: 16,
      expansionAdd: 80,
      expansionSearch: 320,
      oversample: 4,
      buildIn: 'worker',
      buildThreads: 1,
      ...options,
    };
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
    const index = newHnswIndex(this.dimsValue, this.options);
    if (this.rows > 0)
      index.add(
        BigUint64Array.from(this.rowKey.subarray(0, this.rows), (k) => BigInt(k)),
        this.data.subarray(0, this.rows * this.dimsValue),
        0,
      );
    this.index = index;
    this.removedFromIndex = 0;
  }

  /**
   * Builds the HNSW index in chunks, yielding to the event loop between them; searches stay exact (or
   * on the previous index) meanwhile, and changes made meanwhile are caught up before it is used.
   */
  buildIndexInBackground(chunk = 2000): Promise<void> {
    this.indexing ??= buildHnswIndex(this.indexSource(), this.options, chunk)
      .then(({ index, removed }) => {
        this.index = index;
        this.removedFromIndex = removed;
      })
      .finally(() => {
        this.indexing = null;
      });
    return this.indexing;
  }

  /** The rows as the index builder reads them, by HNSW key (they may change while it builds). */
  private indexSource(): IndexSource {
    const vector = (row: number) => this.data.subarray(row * this.dimsValue, (row + 1) * this.dimsValue);
    return {
      dims: this.dimsValue,
      keys: () => this.rowKey.slice(0, this.rows),
      nextKey: () => this.nextKey,
      has: (key) => this.rowOfKey.has(key),
      vector: (key) => (this.rowOfKey.has(key) ? vector(this.rowOfKey.get(key)!) : undefined),
    };
  }

  /** Resolves once no index build is under way. */
  async whenIndexed(): Promise<void> {
    while (this.indexing) await this.indexing;
  }

  private matrices(): Matrices {
    const { dimsValue: dims, data, rows, owner, centroids, slots } = this;
    return { dims, data, rows, owner, centroids, slots };
  }

  private probe(probe: Encoding): Float64Array {
    if (probe.length !== this.dimsValue && this.rows > 0)
      throw new RangeError(`encodings differ in length: ${probe.length} vs ${this.dimsValue}`);
    return Float64Array.from(probe);
  }

  /** The `limit` nearest people by the rule, nearest first (active people unless `includeInactive`). */
  rank(
    probe: Encoding,
    rule: GalleryRule,
    limit = Number.POSITIVE_INFINITY,
    options: { includeInactive?: boolean; exact?: boolean } = {},
  ): Candidate[] {
    const wanted = Math.min(limit, options.includeInactive ? this.slots.length : this.activePeople);
    if (wanted <= 0 || this.rows === 0) return [];
    const q = this.probe(probe);
    const include = (p: Person) => p.active || options.includeInactive === true;
    const m = this.matrices();
    const matrix: Rows =
      rule === 'centroid'
        ? { data: this.centroids, count: this.slots.length, person: (row) => this.slots[row]! }
        : { data: this.data, count: this.rows, person: (row) => this.owner[row]! };
    const approximate = this.index !== null && rule !== 'centroid' && options.exact !== true;
    let retrieve = Math.max(32, Math.ceil(wanted * this.options.oversample));
    for (;;) {
      if (retrieve * 2 >= matrix.count || wanted > 4096) return scan(m, q, rule, wanted, include);
      const hits = approximate ? this.searchIndex(q, retrieve) : searchExact(matrix, this.dimsValue, q, retrieve);
      const seen = new Set<Person>();
      const found: Candidate[] = [];
      for (const row of hits.rows) {
        const person = matrix.person(row);
        if (seen.has(person)) continue;
        seen.add(person);
        if (include(person)) found.push({ identity: person.id, distance: personDistance(m, person, q, rule) });
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

  private searchIndex(q: Float64Array, count: number): { rows: number[]; farthest: number } {
    const result = this.index!.search(Float32Array.from(q), count, 1) as Matches;
    const rows: number[] = [];
    for (const key of result.keys) {
      const row = this.rowOfKey.get(Number(key));
      if (row !== undefined) rows.push(row);
    }
    return { rows, farthest: Number.POSITIVE_INFINITY };
  }

  /**
   * One person's distance by the rule: the exact comparison of a verification (Infinity when unknown,
   * or inactive unless `includeInactive`).
   */
  distanceTo(id: string, probe: Encoding, rule: GalleryRule, options: { includeInactive?: boolean } = {}): number {
    const person = this.people.get(id);
    if (!person || (!person.active && options.includeInactive !== true)) return Number.POSITIVE_INFINITY;
    return personDistance(this.matrices(), person, this.probe(probe), rule);
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
