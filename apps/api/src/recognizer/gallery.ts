import { distanceToPerson, GalleryMatrix, type Encoding, type GalleryRule } from '@facegate/face-core';

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

/**
 * Every enrolled person's encodings, held in memory so that a recognition costs no database read.
 * The database stays the truth: whoever changes people or samples calls `refresh` with their ids
 * (services/gallery-sync.ts does that in every API instance sharing the database).
 */
export class Gallery {
  private readonly people = new Map<string, GalleryPerson>();
  /** Active people's encodings in one contiguous matrix: what the decision searches; rebuilt after a change. */
  private activeEncodings: GalleryMatrix | null = null;

  constructor(private readonly load: (ids?: readonly string[]) => Promise<GalleryPerson[]>) {}

  get size(): number {
    return this.people.size;
  }

  async reload(): Promise<void> {
    const all = await this.load();
    this.people.clear();
    for (const person of all) this.people.set(person.id, person);
    this.activeEncodings = null;
  }

  async refresh(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = new Map((await this.load(ids)).map((p) => [p.id, p]));
    for (const id of ids) {
      const person = found.get(id);
      if (person) this.people.set(id, person);
      else this.people.delete(id);
    }
    this.activeEncodings = null;
  }

  /** Every active person (or everyone, for enrolment checks) with at least one sample, searchable by id. */
  database(options: { includeInactive?: boolean } = {}): GalleryMatrix {
    const select = (all: boolean) => new GalleryMatrix(new Map([...this.people.values()].filter((p) => (all || p.active) && p.encodings.length > 0).map((p) => [p.id, p.encodings])));
    if (options.includeInactive) return select(true);
    this.activeEncodings ??= select(false);
    return this.activeEncodings;
  }

  get(id: string): GalleryPerson | undefined {
    return this.people.get(id);
  }

  /** Distance from the probe to one person (Infinity when they have no sample). */
  distanceTo(id: string, probe: Encoding, rule: GalleryRule): number {
    const person = this.people.get(id);
    return person ? distanceToPerson(probe, person.encodings, rule) : Number.POSITIVE_INFINITY;
  }

  /** The `k` nearest active people with at least one sample, nearest first. */
  nearest(probe: Encoding, rule: GalleryRule, k: number): GalleryMatch[] {
    const matches: GalleryMatch[] = [];
    for (const person of this.people.values()) {
      if (!person.active || person.encodings.length === 0) continue;
      matches.push({ person, distance: distanceToPerson(probe, person.encodings, rule) });
    }
    return matches.sort((a, b) => a.distance - b.distance).slice(0, k);
  }
}
