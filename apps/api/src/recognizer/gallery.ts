import { DEFAULT_ANN_THRESHOLD, GalleryMatrix, type Encoding, type GalleryMatrixOptions, type GalleryRule, type SearchableGallery } from '@facegate/face-core';

export interface GalleryPerson {
  readonly id: string;
  readonly name: string;
  readonly cardId: string | null;
  readonly active: boolean;
  readonly encodings: readonly Encoding[];
}

export interface GalleryMatch {
  readonly person: GalleryPerson;
  readonly distance: number;
}

function sameEncodings(a: readonly Encoding[], b: readonly Encoding[]): boolean {
  return a.length === b.length && a.every((e, i) => e.length === b[i]!.length && e.every((v, k) => v === b[i]![k]));
}

/**
 * Every enrolled person's encodings, held in memory so that a recognition costs no database read.
 * The encodings live in one GalleryMatrix (contiguous Float32Array; above `annThreshold` samples an
 * HNSW index retrieves the candidates, whose distances are then computed exactly), changed in place
 * person by person: no rebuild on an enrolment, a deletion or an activation change.
 * The database stays the truth: whoever changes people or samples calls `refresh` with their ids
 * (services/sync.ts has every API instance sharing the database do that).
 */
export class Gallery {
  /** Who they are; their encodings live only in the matrix (one copy, float32). */
  private readonly people = new Map<string, Omit<GalleryPerson, 'encodings'>>();
  private matrix: GalleryMatrix;

  constructor(
    private readonly load: (ids?: readonly string[]) => Promise<GalleryPerson[]>,
    private readonly options: GalleryMatrixOptions = { annThreshold: Number(process.env.FACEGATE_ANN_THRESHOLD ?? DEFAULT_ANN_THRESHOLD) },
  ) {
    this.matrix = new GalleryMatrix(new Map(), options);
  }

  /** Active people with at least one sample (the gallery size of identification). */
  get size(): number {
    return this.matrix.size;
  }

  /** 'hnsw' once the approximate index serves searches. */
  get mode(): 'exact' | 'hnsw' {
    return this.matrix.mode;
  }

  async reload(): Promise<void> {
    const all = await this.load();
    this.people.clear();
    for (const { encodings: _, ...person } of all) this.people.set(person.id, person);
    const matrix = new GalleryMatrix(new Map(all.filter((p) => p.encodings.length > 0).map((p) => [p.id, p.encodings])), this.options);
    for (const person of all) if (!person.active) matrix.setActive(person.id, false);
    this.matrix = matrix;
  }

  async refresh(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = new Map((await this.load(ids)).map((p) => [p.id, p]));
    for (const id of ids) {
      const person = found.get(id);
      if (person) {
        const { encodings, ...who } = person;
        this.people.set(id, who);
        if (this.matrix.has(id) && sameEncodings(this.matrix.encodingsOf(id), encodings)) this.matrix.setActive(id, person.active);
        else this.matrix.set(id, encodings, person.active);
      } else {
        this.people.delete(id);
        this.matrix.delete(id);
      }
    }
  }

  /** Active people (or everyone, for enrolment checks) with at least one sample, searchable by id. */
  database(options: { includeInactive?: boolean } = {}): SearchableGallery {
    return options.includeInactive ? this.matrix.withInactive() : this.matrix;
  }

  /** Resolves once the approximate index (if one is being built) serves searches. */
  whenIndexed(): Promise<void> {
    return this.matrix.whenIndexed();
  }

  /** The person as held, with their encodings (float32 values, as stored). */
  get(id: string): GalleryPerson | undefined {
    const person = this.people.get(id);
    return person && { ...person, encodings: this.matrix.encodingsOf(id) };
  }

  /** Distance from the probe to one person (Infinity when they have no sample). */
  distanceTo(id: string, probe: Encoding, rule: GalleryRule): number {
    return this.people.has(id) ? this.matrix.distanceTo(id, probe, rule, { includeInactive: true }) : Number.POSITIVE_INFINITY;
  }

  /** The `k` nearest active people with at least one sample, nearest first. */
  nearest(probe: Encoding, rule: GalleryRule, k: number): GalleryMatch[] {
    return this.matrix.rank(probe, rule, k).map((c) => ({ person: this.get(c.identity)!, distance: c.distance }));
  }
}
