import {
  DEFAULT_ANN_THRESHOLD,
  ENCODER_MODEL_ID,
  GalleryMatrix,
  type Encoding,
  type EncodingHead,
  type GalleryMatrixOptions,
  type GalleryRule,
  type SearchableGallery,
} from '@facegate/face-core';

export interface GalleryPerson {
  readonly id: string;
  readonly name: string;
  readonly cardId: string | null;
  readonly active: boolean;
  readonly encodings: readonly Encoding[];
}

/** The model a gallery's encodings are in: the encoder alone, or the encoder with a learned head. */
export interface ActiveModel {
  readonly model: string;
  readonly head: EncodingHead | null;
}

/** Loads people with their encodings under `model` only (never another model's). */
export type GalleryLoader = (ids?: readonly string[], model?: string) => Promise<GalleryPerson[]>;

/** A gallery of `head`'s encodings searched with encoder encodings: each probe goes through the head first. */
export function searchWithHead(gallery: SearchableGallery, head: EncodingHead | null): SearchableGallery {
  if (!head) return gallery;
  return {
    get size() {
      return gallery.size;
    },
    rank: (probe, rule, limit) => gallery.rank(head.apply(probe), rule, limit),
    distanceTo: (id, probe, rule) => gallery.distanceTo(id, head.apply(probe), rule),
  };
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
 *
 * Model versions: every encoding held is of one model (`model`). Probes are the encoder's encodings (what
 * the recognizer returns); searches bring them to the gallery's model (the head applied) against the
 * matrix of that same moment, so a decision never compares encodings of two models, even while
 * `switchModel` swaps the matrix and the head (together, synchronously).
 */
export class Gallery {
  /** Who they are; their encodings live only in the matrix (one copy, float32). */
  private readonly people = new Map<string, Omit<GalleryPerson, 'encodings'>>();
  private matrix: GalleryMatrix;
  private active: ActiveModel;

  constructor(
    private readonly load: GalleryLoader,
    private readonly options: GalleryMatrixOptions = { annThreshold: Number(process.env.FACEGATE_ANN_THRESHOLD ?? DEFAULT_ANN_THRESHOLD) },
    active: ActiveModel = { model: ENCODER_MODEL_ID, head: null },
  ) {
    this.matrix = new GalleryMatrix(new Map(), options);
    this.active = active;
  }

  /** The model of every encoding held (and of the probes once brought to it). */
  get model(): string {
    return this.active.model;
  }

  get head(): EncodingHead | null {
    return this.active.head;
  }

  /** A probe (an encoder encoding) in the gallery's model. */
  probe(encoding: Encoding): Encoding {
    return this.active.head ? this.active.head.apply(encoding) : encoding;
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
    return this.switchModel(this.active);
  }

  /**
   * Loads everyone's encodings under `next.model`, then swaps matrix and model at once: until then every
   * search uses the previous model's encodings only, from then on only the new one's.
   */
  async switchModel(next: ActiveModel): Promise<void> {
    const all = await this.load(undefined, next.model);
    const matrix = new GalleryMatrix(new Map(all.filter((p) => p.encodings.length > 0).map((p) => [p.id, p.encodings])), this.options);
    for (const person of all) if (!person.active) matrix.setActive(person.id, false);
    this.people.clear();
    for (const { encodings: _, ...person } of all) this.people.set(person.id, person);
    this.matrix = matrix;
    this.active = next;
  }

  async refresh(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const model = this.active.model;
    const loaded = await this.load(ids, model);
    // The model was switched meanwhile: what was read belongs to the old one; read again.
    if (this.active.model !== model) return this.refresh(ids);
    const found = new Map(loaded.map((p) => [p.id, p]));
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
    // This moment's matrix and head together.
    return searchWithHead(options.includeInactive ? this.matrix.withInactive() : this.matrix, this.active.head);
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
    return this.people.has(id) ? this.matrix.distanceTo(id, this.probe(probe), rule, { includeInactive: true }) : Number.POSITIVE_INFINITY;
  }

  /** The `k` nearest active people with at least one sample, nearest first. */
  nearest(probe: Encoding, rule: GalleryRule, k: number): GalleryMatch[] {
    return this.matrix.rank(this.probe(probe), rule, k).map((c) => ({ person: this.get(c.identity)!, distance: c.distance }));
  }
}
