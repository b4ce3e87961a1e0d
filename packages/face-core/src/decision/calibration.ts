import type { Encoding } from '../matching/match.ts';
import { distanceToPerson } from '../matching/match.ts';
import type { GalleryRule } from '../matching/constants.ts';
import { l2Normalize } from '../ops/l2.ts';
import table from './false-match-table.json' with { type: 'json' };

/** One point of a false-match curve: comparisons of a face with a different person closer than `distance`. */
export interface FalseMatchPoint {
  readonly distance: number;
  readonly falseMatchRate: number;
}

/**
 * The encoder's false-match curves, measured by `facegate calibrate` (false-match-table.json says on
 * what): the share of comparisons between a face and a different enrolled person under each distance,
 * for one frame, and for the fused template of 2 and of 3 or more frames. A fused template is nearer
 * to everyone (averaging pulls it towards the average face), so it needs a stricter threshold.
 */
export const FALSE_MATCH_CURVES: Readonly<Record<'1' | '2' | '3', readonly FalseMatchPoint[]>> = table.curves;
export const FALSE_MATCH_CURVE_MODEL: string = table.model;
/** What the curves were measured on, and how many impostor comparisons each rests on. */
export const FALSE_MATCH_CURVE_SOURCE: { readonly source: string; readonly comparisons: Readonly<Record<'1' | '2' | '3', number>> } = {
  source: table.source,
  comparisons: table.comparisons,
};

/** The curve for a template fused from `frames` frames. */
export function falseMatchCurve(frames = 1): readonly FalseMatchPoint[] {
  return FALSE_MATCH_CURVES[frames >= 3 ? '3' : frames === 2 ? '2' : '1'];
}

/**
 * The distance under which a comparison with a different person happens at `falseMatchRate`
 * (log-linear interpolation between measured points; clamped to the curve's ends).
 */
export function thresholdForFalseMatchRate(falseMatchRate: number, curve: readonly FalseMatchPoint[] = falseMatchCurve()): number {
  if (!(falseMatchRate > 0 && falseMatchRate < 1)) throw new RangeError(`a false-match rate is between 0 and 1, not ${falseMatchRate}`);
  const first = curve[0];
  const last = curve.at(-1);
  if (!first || !last) throw new RangeError('the false-match curve is empty');
  if (falseMatchRate <= first.falseMatchRate) return first.distance;
  if (falseMatchRate >= last.falseMatchRate) return last.distance;
  const target = Math.log(falseMatchRate);
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (b.falseMatchRate >= falseMatchRate) {
      const t = (target - Math.log(a.falseMatchRate)) / (Math.log(b.falseMatchRate) - Math.log(a.falseMatchRate));
      return a.distance + t * (b.distance - a.distance);
    }
  }
  return last.distance;
}

/** The false-match rate of one comparison at `distance` (inverse of thresholdForFalseMatchRate). */
export function falseMatchRateAt(distance: number, curve: readonly FalseMatchPoint[] = falseMatchCurve()): number {
  const first = curve[0]!;
  const last = curve.at(-1)!;
  if (distance <= first.distance) return first.falseMatchRate;
  if (distance >= last.distance) return last.falseMatchRate;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (b.distance >= distance) {
      const t = (distance - a.distance) / (b.distance - a.distance);
      return Math.exp(Math.log(a.falseMatchRate) + t * (Math.log(b.falseMatchRate) - Math.log(a.falseMatchRate)));
    }
  }
  return last.falseMatchRate;
}

/**
 * Per-comparison false-match rate that keeps identification's false-positive rate at `fpirTarget` for
 * a gallery of `gallerySize` people: a stranger is compared with everyone, so the chances add up,
 * FPIR = 1 - (1 - FMR)^N. Never looser than the verification rate.
 */
export function falseMatchRateForGallery(falseMatchRate: number, fpirTarget: number, gallerySize: number): number {
  const perPerson = 1 - (1 - fpirTarget) ** (1 / Math.max(1, gallerySize));
  return Math.min(falseMatchRate, perPerson);
}

export interface CalibrationPerson {
  readonly identity: string;
  /** Enrolled encodings; none for a person who only serves as a stranger. */
  readonly samples: readonly Encoding[];
  /** Further photos of the same person. */
  readonly probes: readonly Encoding[];
}

export interface CalibrationReport {
  readonly genuine: number;
  readonly impostor: number;
  /** Distance thresholds with the false-match and false-non-match rates there (a DET curve). */
  readonly points: readonly { distance: number; falseMatchRate: number; falseNonMatchRate: number }[];
}

/**
 * Templates of `frames` photos each: every photo starts one, followed by the next ones (wrapping
 * around), fused as the decision fuses a door's frames (mean, renormalised).
 */
export function fusedBursts(photos: readonly Encoding[], frames: number): Encoding[] {
  if (frames <= 1) return [...photos];
  if (photos.length < frames) return [];
  return photos.map((_, i) => {
    const sum = new Array<number>(photos[0]!.length).fill(0);
    for (let k = 0; k < frames; k++) photos[(i + k) % photos.length]!.forEach((v, j) => (sum[j]! += v));
    return l2Normalize(sum);
  });
}

/**
 * Genuine and impostor comparisons of every probe (or fused burst of `frames` probes) with every
 * enrolled person (by `rule`), summarised as a DET curve where the false-match rate crosses half-decade
 * steps from 10^-0.5 down to where about five impostor comparisons remain.
 */
export function calibrate(people: readonly CalibrationPerson[], rule: GalleryRule, frames = 1): CalibrationReport {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (const owner of people) {
    for (const probe of fusedBursts([...owner.samples, ...owner.probes], frames)) {
      for (const person of people) {
        if (person === owner || person.samples.length === 0) continue;
        impostor.push(distanceToPerson(probe, person.samples, rule));
      }
    }
    if (owner.samples.length > 0)
      for (const probe of fusedBursts(owner.probes, frames)) genuine.push(distanceToPerson(probe, owner.samples, rule));
  }
  const impostorSorted = Float64Array.from(impostor).sort();
  const genuineSorted = Float64Array.from(genuine).sort();
  const points: { distance: number; falseMatchRate: number; falseNonMatchRate: number }[] = [];
  for (let exponent = 1; exponent <= 12; exponent++) {
    const rate = 10 ** (-exponent / 2);
    const index = Math.floor(rate * impostorSorted.length);
    if (index < 5) break;
    const distance = impostorSorted[index]!;
    points.push({
      distance,
      falseMatchRate: rate,
      falseNonMatchRate: countAtLeast(genuineSorted, distance) / Math.max(1, genuineSorted.length),
    });
  }
  return { genuine: genuine.length, impostor: impostor.length, points: points.reverse() };
}

/** What false-match-table.json holds: the curve, and what it was measured with. */
export interface CurveFile {
  readonly model: string;
  readonly rule: GalleryRule;
  readonly samples: number;
  readonly source: string;
  /** Impostor comparisons behind each curve. */
  readonly comparisons: Readonly<Record<'1' | '2' | '3', number>>;
  readonly curves: Readonly<Record<'1' | '2' | '3', readonly FalseMatchPoint[]>>;
}

/** The decision layer's curves from calibrations with 1, 2 and 3 fused frames. */
export function curveFile(
  reports: Readonly<Record<'1' | '2' | '3', CalibrationReport>>,
  about: { model: string; rule: GalleryRule; samples: number; source: string },
): CurveFile {
  const points = (r: CalibrationReport) =>
    r.points.map((p) => ({ distance: Number(p.distance.toFixed(4)), falseMatchRate: Number(p.falseMatchRate.toPrecision(3)) }));
  return {
    ...about,
    comparisons: { 1: reports[1].impostor, 2: reports[2].impostor, 3: reports[3].impostor },
    curves: { 1: points(reports[1]), 2: points(reports[2]), 3: points(reports[3]) },
  };
}

/** How many sorted values are >= x. */
function countAtLeast(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}
