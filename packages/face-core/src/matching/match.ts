import { l2Distance, l2Normalize } from '../ops/l2.ts';
import { DEFAULT_GALLERY_RULE, DEFAULT_THRESHOLD, SOFT_NEAREST_TEMPERATURE, type GalleryRule } from './constants.ts';

export type Encoding = readonly number[];

/** Enrolled people: name -> one encoding or several (one per photo). */
export type FaceDatabase = Readonly<Record<string, Encoding | readonly Encoding[]>> | ReadonlyMap<string, Encoding | readonly Encoding[]>;

export interface MatchOptions {
  readonly threshold?: number;
  readonly rule?: GalleryRule;
}

export interface Verification {
  /** Distance between the probe and the claimed identity (Infinity when that identity is unknown). */
  readonly distance: number;
  readonly match: boolean;
}

export interface Identification {
  /** The nearest enrolled person, or null: nobody is within the threshold ("not in the database"). */
  readonly identity: string | null;
  readonly distance: number;
}

export interface Candidate {
  readonly identity: string;
  readonly distance: number;
}

/** A person's samples as a list, whether one encoding or several was enrolled. */
function samplesOf(entry: Encoding | readonly Encoding[]): readonly Encoding[] {
  return typeof entry[0] === 'number' ? [entry as Encoding] : (entry as readonly Encoding[]);
}

function entries(database: FaceDatabase): [string, Encoding | readonly Encoding[]][] {
  return database instanceof Map ? [...database.entries()] : Object.entries(database);
}

function lookup(database: FaceDatabase, identity: string): Encoding | readonly Encoding[] | undefined {
  return database instanceof Map
    ? database.get(identity)
    : Object.hasOwn(database, identity)
      ? (database as Record<string, Encoding>)[identity]
      : undefined;
}

/** Distance from a probe to a person, by the gallery rule. */
export function distanceToPerson(probe: Encoding, samples: readonly Encoding[], rule: GalleryRule = DEFAULT_GALLERY_RULE): number {
  if (samples.length === 0) return Number.POSITIVE_INFINITY;
  switch (rule) {
    case 'nearest':
      return Math.min(...samples.map((s) => l2Distance(probe, s)));
    case 'soft-nearest': {
      // Shifted by the nearest distance so that exp() never underflows: -T log mean exp(-(d - d0)/T) + d0.
      const distances = samples.map((s) => l2Distance(probe, s));
      const nearest = Math.min(...distances);
      const meanExp = distances.reduce((sum, d) => sum + Math.exp(-(d - nearest) / SOFT_NEAREST_TEMPERATURE), 0) / distances.length;
      return nearest - SOFT_NEAREST_TEMPERATURE * Math.log(meanExp);
    }
    case 'mean-distance':
      return samples.reduce((sum, s) => sum + l2Distance(probe, s), 0) / samples.length;
    case 'centroid': {
      const centroid = new Array<number>(probe.length).fill(0);
      for (const s of samples) s.forEach((v, i) => (centroid[i]! += v));
      return l2Distance(probe, l2Normalize(centroid));
    }
  }
}

/** 1:1 - is the probe the person it claims to be? */
export function verify(encoding: Encoding, identity: string, database: FaceDatabase, options: MatchOptions | number = {}): Verification {
  const { threshold = DEFAULT_THRESHOLD, rule } = typeof options === 'number' ? { threshold: options } : options;
  const entry = lookup(database, identity);
  const distance = entry === undefined ? Number.POSITIVE_INFINITY : distanceToPerson(encoding, samplesOf(entry), rule);
  return { distance, match: distance < threshold };
}

/** Every enrolled person ordered by distance, nearest first. */
export function rankCandidates(encoding: Encoding, database: FaceDatabase, rule?: GalleryRule): Candidate[] {
  return entries(database)
    .map(([identity, entry]) => ({ identity, distance: distanceToPerson(encoding, samplesOf(entry), rule) }))
    .sort((a, b) => a.distance - b.distance);
}

/** 1:K - who is this? The nearest person when within the threshold, otherwise null. */
export function whoIsIt(encoding: Encoding, database: FaceDatabase, options: MatchOptions | number = {}): Identification {
  const { threshold = DEFAULT_THRESHOLD, rule } = typeof options === 'number' ? { threshold: options } : options;
  const [best] = rankCandidates(encoding, database, rule);
  if (!best) return { identity: null, distance: Number.POSITIVE_INFINITY };
  return { identity: best.distance < threshold ? best.identity : null, distance: best.distance };
}
