import type { FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import { DEFAULT_THRESHOLD, type GalleryRule } from '../matching/constants.ts';
import { distanceToPerson, type Encoding } from '../matching/match.ts';
import { equalErrorRate, rocCurve, tarAtFar, type ScoredPair } from './metrics.ts';

export interface RuleReport {
  /** Probes whose nearest enrolled person is their own (closed-set identification). */
  readonly rank1: number;
  readonly eer: number;
  readonly tarAtFar1e2: number;
  /** At the default threshold: genuine probes accepted, and impostor comparisons refused. */
  readonly genuineAcceptRate: number;
  readonly impostorRejectRate: number;
}

export interface GalleryReport {
  readonly identities: number;
  readonly samplesPerPerson: number;
  readonly probes: number;
  readonly noFace: number;
  readonly threshold: number;
  /** Each rule with `samplesPerPerson` enrolled photos, and 'single' with only the first. */
  readonly rules: Record<GalleryRule | 'single', RuleReport>;
}

/**
 * How the several-photos-per-person rules compare: the first `samples` photos of each person (in name
 * order) are enrolled, the rest are probes, compared with every person (largest face of each photo).
 */
export async function evaluateGallery(
  engine: FaceEngine,
  people: ReadonlyMap<string, readonly string[]>,
  options: { samples?: number; threshold?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<GalleryReport> {
  const samples = options.samples ?? 3;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const eligible = [...people].filter(([, photos]) => photos.length > samples);
  const total = eligible.reduce((n, [, photos]) => n + photos.length, 0);
  let done = 0;
  let noFace = 0;
  const enrolled = new Map<string, Encoding[]>();
  const probes: { identity: string; encoding: Encoding }[] = [];
  for (const [identity, photos] of eligible) {
    const encodings: Encoding[] = [];
    for (const photo of photos) {
      try {
        encodings.push((await engine.encodeFace(photo, { multiple: 'largest' })).encoding);
      } catch (error) {
        if (!(error instanceof FaceError)) throw error;
        noFace++;
      }
      options.onProgress?.(++done, total);
    }
    enrolled.set(identity, encodings.slice(0, samples));
    for (const encoding of encodings.slice(samples)) probes.push({ identity, encoding });
  }
  const evaluate = (rule: GalleryRule, limit: number): RuleReport => {
    let rank1 = 0;
    const scored: ScoredPair[] = [];
    for (const probe of probes) {
      let best = { identity: '', distance: Number.POSITIVE_INFINITY };
      for (const [identity, gallery] of enrolled) {
        const distance = distanceToPerson(probe.encoding, gallery.slice(0, limit), rule);
        scored.push({ distance, same: identity === probe.identity });
        if (distance < best.distance) best = { identity, distance };
      }
      if (best.identity === probe.identity) rank1++;
    }
    const roc = rocCurve(scored);
    const genuine = scored.filter((s) => s.same);
    const impostor = scored.filter((s) => !s.same);
    return {
      rank1: rank1 / probes.length,
      eer: equalErrorRate(roc),
      tarAtFar1e2: tarAtFar(roc, 1e-2),
      genuineAcceptRate: genuine.filter((s) => s.distance < threshold).length / genuine.length,
      impostorRejectRate: impostor.filter((s) => s.distance >= threshold).length / impostor.length,
    };
  };
  return {
    identities: enrolled.size,
    samplesPerPerson: samples,
    probes: probes.length,
    noFace,
    threshold,
    rules: {
      single: evaluate('nearest', 1),
      nearest: evaluate('nearest', samples),
      'soft-nearest': evaluate('soft-nearest', samples),
      centroid: evaluate('centroid', samples),
      'mean-distance': evaluate('mean-distance', samples),
    },
  };
}
