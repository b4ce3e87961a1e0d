import { decideIdentification, type ProbeFace } from '../decision/decide.ts';
import { DEFAULT_DECISION_CONFIG, type DecisionConfig } from '../decision/constants.ts';
import type { FaceEngine } from '../engine.ts';
import { FaceError } from '../errors.ts';
import type { Encoding } from '../matching/match.ts';

/** A probe: one identity's photo, or a burst of several of its photos standing in for a door's frames. */
interface Probe {
  readonly identity: string;
  /** Null when no face was found in the photo (a miss for an enrolled person; refused for a stranger). */
  readonly face: ProbeFace | null;
}

export interface OpenSetData {
  readonly gallery: ReadonlyMap<string, readonly Encoding[]>;
  readonly mated: readonly Probe[];
  readonly strangers: readonly Probe[];
  readonly strangerIdentities: number;
}

export interface OpenSetReport {
  readonly enrolled: number;
  readonly samplesPerPerson: number;
  readonly strangerIdentities: number;
  /** Attempts: single photos, or bursts of `frames` photos of one identity. */
  readonly frames: number;
  readonly matedAttempts: number;
  readonly strangerAttempts: number;
  readonly noFace: { readonly mated: number; readonly strangers: number };
  /** Attempts refused by the quality gates (counted as misses for enrolled people), by reason. */
  readonly qualityRefused: { readonly mated: Readonly<Record<string, number>>; readonly strangers: Readonly<Record<string, number>> };
  /** The identification threshold the defaults gave for this gallery's size. */
  readonly threshold: number;
  /** Strangers accepted as someone: the door opened for a person not in the database. */
  readonly fpir: number;
  /** Enrolled people's attempts not accepted as themselves (refused, step-up, gated, no face or taken for someone else). */
  readonly fnir: number;
  /** Enrolled people's attempts accepted as someone else. */
  readonly misidentification: number;
  /** Attempts answered step_up (a second factor could complete them). */
  readonly stepUp: { readonly mated: number; readonly strangers: number };
  /** FNIR with the threshold swept until strangers get in at most that often (gates, margin and fusion as configured). */
  readonly fnirAtFpir: Readonly<Record<string, number | null>>;
  readonly thresholdAtFpir: Readonly<Record<string, number | null>>;
}

/**
 * Encodes the open-set protocol's photos: identities sorted by name; the first `enrolled` with more than
 * `samples` photos enrol their first `samples` photos (by file name) and their other photos are mated
 * probes; every photo of every other identity is a stranger probe.
 */
export async function encodeOpenSet(
  engine: FaceEngine,
  people: ReadonlyMap<string, readonly string[]>,
  options: { enrolled?: number; samples?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<OpenSetData> {
  const samples = options.samples ?? 3;
  const names = [...people.keys()].sort();
  const enrolledNames = new Set(names.filter((n) => people.get(n)!.length > samples).slice(0, options.enrolled ?? 100));
  const total = names.reduce((n, name) => n + people.get(name)!.length, 0);
  let done = 0;
  const encode = async (file: string): Promise<ProbeFace | null> => {
    try {
      const face = await engine.encodeFace(file, { multiple: 'largest' });
      return { encoding: face.encoding, quality: face.quality };
    } catch (error) {
      if (!(error instanceof FaceError)) throw error;
      return null;
    } finally {
      options.onProgress?.(++done, total);
    }
  };
  const gallery = new Map<string, Encoding[]>();
  const mated: Probe[] = [];
  const strangers: Probe[] = [];
  for (const name of names) {
    const photos = [...people.get(name)!].sort();
    if (enrolledNames.has(name)) {
      const enrolled: Encoding[] = [];
      for (const photo of photos.slice(0, samples)) {
        const face = await encode(photo);
        if (face) enrolled.push(face.encoding);
      }
      gallery.set(name, enrolled);
      for (const photo of photos.slice(samples)) mated.push({ identity: name, face: await encode(photo) });
    } else {
      for (const photo of photos) strangers.push({ identity: name, face: await encode(photo) });
    }
  }
  return { gallery, mated, strangers, strangerIdentities: names.length - enrolledNames.size };
}

/**
 * Bursts of `frames` photos of one identity: each photo starts one, followed by the identity's next
 * photos in name order (wrapping around). Identities with fewer photos than `frames` give none.
 */
function bursts(probes: readonly Probe[], frames: number): Probe[][] {
  const byIdentity = new Map<string, Probe[]>();
  for (const p of probes) byIdentity.set(p.identity, [...(byIdentity.get(p.identity) ?? []), p]);
  const out: Probe[][] = [];
  for (const list of byIdentity.values()) {
    if (list.length < frames) continue;
    for (let i = 0; i < list.length; i++) out.push(Array.from({ length: frames }, (_, k) => list[(i + k) % list.length]!));
  }
  return out;
}

interface Scored {
  readonly identity: string;
  readonly decision: ReturnType<typeof decideIdentification> | null;
}

/** Runs the project's identification decision on every attempt and reports the open-set errors. */
export function scoreOpenSet(data: OpenSetData, options: { config?: DecisionConfig; frames?: number } = {}): OpenSetReport {
  const config = options.config ?? DEFAULT_DECISION_CONFIG;
  const frames = options.frames ?? 1;
  const database = new Map([...data.gallery].filter(([, encodings]) => encodings.length > 0));
  const decide = (burst: Probe[]): Scored => {
    const faces = burst.map((p) => p.face).filter((f): f is ProbeFace => f !== null);
    return { identity: burst[0]!.identity, decision: faces.length > 0 ? decideIdentification(faces, database, config) : null };
  };
  const mated = bursts(data.mated, frames).map(decide);
  const strangers = bursts(data.strangers, frames).map(decide);
  const accepted = (s: Scored) => s.decision?.outcome === 'accept';
  const count = (list: Scored[], test: (s: Scored) => boolean) => list.filter(test).length;
  const gated = (list: Scored[]) => {
    const reasons: Record<string, number> = {};
    for (const s of list) if (s.decision && s.decision.framesUsed === 0) reasons[s.decision.reason] = (reasons[s.decision.reason] ?? 0) + 1;
    return reasons;
  };
  const threshold = mated.find((s) => s.decision)?.decision?.threshold ?? Number.NaN;

  // The sweep: the decision's own rules with only the threshold moved. A candidate threshold t accepts
  // an attempt whose nearest distance is below t and that the gates and the margin let through.
  const sweepable = (s: Scored) => {
    const d = s.decision;
    if (!d || d.framesUsed === 0) return null;
    const [nearest, second] = d.candidates;
    if (!nearest || (second && second.distance - nearest.distance < config.ambiguityMargin)) return null;
    return { distance: nearest.distance, correct: nearest.identity === s.identity };
  };
  const strangerDistances = strangers
    .map(sweepable)
    .filter((x) => x !== null)
    .map((x) => x.distance)
    .sort((a, b) => a - b);
  const matedSweep = mated.map(sweepable);
  const fnirAtFpir: Record<string, number | null> = {};
  const thresholdAtFpir: Record<string, number | null> = {};
  for (const target of [0.01, 0.001]) {
    // Strangers accepted at t: those with distance < t. Allow floor(target * n) of them.
    const allowed = Math.floor(target * strangers.length);
    const t = allowed < strangerDistances.length ? strangerDistances[allowed]! : Number.POSITIVE_INFINITY;
    const hits = matedSweep.filter((x) => x && x.correct && x.distance < t).length;
    fnirAtFpir[String(target)] = mated.length ? 1 - hits / mated.length : null;
    thresholdAtFpir[String(target)] = Number.isFinite(t) ? t : null;
  }

  return {
    enrolled: database.size,
    samplesPerPerson: Math.max(0, ...[...data.gallery.values()].map((e) => e.length)),
    strangerIdentities: data.strangerIdentities,
    frames,
    matedAttempts: mated.length,
    strangerAttempts: strangers.length,
    noFace: { mated: count(mated, (s) => !s.decision), strangers: count(strangers, (s) => !s.decision) },
    qualityRefused: { mated: gated(mated), strangers: gated(strangers) },
    threshold,
    fpir: strangers.length ? count(strangers, accepted) / strangers.length : Number.NaN,
    fnir: mated.length ? count(mated, (s) => !(accepted(s) && s.decision!.identity === s.identity)) / mated.length : Number.NaN,
    misidentification: mated.length ? count(mated, (s) => accepted(s) && s.decision!.identity !== s.identity) / mated.length : Number.NaN,
    stepUp: {
      mated: count(mated, (s) => s.decision?.outcome === 'step_up'),
      strangers: count(strangers, (s) => s.decision?.outcome === 'step_up'),
    },
    fnirAtFpir,
    thresholdAtFpir,
  };
}
