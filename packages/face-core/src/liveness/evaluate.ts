import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FaceEngine } from '../engine.ts';
import { NoFaceError } from '../errors.ts';
import { decodeImage } from '../image/decode.ts';
import type { LivenessPoints } from './constants.ts';
import type { PadSample } from './dataset.ts';
import { fuseLivenessScores } from './fusion.ts';
import { padAuc } from './metrics.ts';
import type { MiniFasNet } from './minifasnet.ts';
import { livenessScore } from './score.ts';

/**
 * A photo an evaluation scores: a PAD set's live or attack photo (with its subject), or a photo of a
 * folder of live faces only (web photos, another camera). `role` says whether it may choose points.
 */
export interface LivenessPhoto {
  /** The folder it came from, e.g. `pad-dev`, `celeba-dev`, `lfw-view1`. */
  readonly set: string;
  readonly file: string;
  readonly path: string;
  readonly live: boolean;
  readonly subject: string;
  readonly source: string;
  /** `none` for live faces. */
  readonly attack: string;
  /** Live-only folders: `choose` (may choose points: LFW View 1 DevTrain people) or `report`. PAD photos: set by the protocol. */
  readonly role: 'choose' | 'report' | 'pad';
}

/** A photo with its liveness score (null: no face found; a live face then counts as refused, an attack as refused). */
export interface ScoredPhoto extends LivenessPhoto {
  readonly score: number | null;
}

const PHOTO = /\.(jpe?g|png|webp)$/i;

export function padPhotos(set: string, samples: readonly PadSample[]): LivenessPhoto[] {
  return samples.map((s) => {
    if (s.subject === null) throw new Error(`${set}/${s.file} has no subject: the subject-disjoint protocol needs labels.csv`);
    return { set, file: s.file, path: s.path, live: s.live, subject: s.subject, source: s.source, attack: s.attack, role: 'pad' };
  });
}

async function listPhotos(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await listPhotos(full)));
    else if (PHOTO.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** LFW View 1's people: those of pairsDevTrain.txt may choose, the others only report. */
async function lfwDevTrainPeople(dir: string): Promise<Set<string> | null> {
  const file = path.join(dir, 'pairsDevTrain.txt');
  if (!existsSync(file)) return null;
  const people = new Set<string>();
  for (const line of (await readFile(file, 'utf8')).split(/\r?\n/).slice(1)) {
    const cells = line.split('\t');
    if (cells.length === 3) people.add(cells[0]!);
    if (cells.length === 4) people.add(cells[0]!).add(cells[2]!);
  }
  return people;
}

/**
 * A folder of live faces only: every photo below it, the subject being its first folder (or the file's
 * name when it lies at the top). In LFW View 1 (pairsDevTrain.txt beside the photos), DevTrain's people
 * may choose points and DevTest's only report, as LFW's protocol has it.
 */
export async function readLiveDir(dir: string): Promise<LivenessPhoto[]> {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  // groups/images is named after its set, not its folder.
  const resolved = path.resolve(dir);
  const set = path.basename(resolved) === 'images' ? path.basename(path.dirname(resolved)) : path.basename(resolved);
  const choosers = await lfwDevTrainPeople(dir);
  const photos = await listPhotos(dir);
  if (photos.length === 0) throw new Error(`no photos (.jpg, .png, .webp) below ${dir}`);
  return photos.map((full) => {
    const file = path.relative(dir, full);
    const parts = file.split(path.sep);
    const subject = parts.length > 1 ? parts[0]! : parts[0]!.replace(PHOTO, '');
    return { set, file, path: full, live: true, subject, source: set, attack: 'none', role: choosers?.has(subject) ? 'choose' : 'report' };
  });
}

/**
 * Scores the largest face of every photo, as a door would (detector, then the networks around its box).
 * `cache` (a JSON-lines file) keeps each photo's score by path and size, so that a long evaluation can be
 * resumed and the protocols re-run without the networks.
 */
export async function scorePhotos(
  engine: FaceEngine,
  networks: MiniFasNet,
  photos: readonly LivenessPhoto[],
  cache?: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ScoredPhoto[]> {
  const cached = new Map<string, number | null>();
  if (cache && existsSync(cache)) {
    for (const line of (await readFile(cache, 'utf8')).split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as { key: string; score: number | null };
      cached.set(row.key, row.score);
    }
  }
  const out: ScoredPhoto[] = [];
  for (const photo of photos) {
    const bytes = new Uint8Array(await readFile(photo.path));
    const key = `${path.resolve(photo.path)}:${(await stat(photo.path)).size}`;
    let score = cached.get(key);
    if (score === undefined) {
      const image = await decodeImage(bytes);
      try {
        const face = await engine.encodeFace(image, { multiple: 'largest' });
        score = livenessScore(await networks.networkScores(image, face.box));
      } catch (error) {
        if (!(error instanceof NoFaceError)) throw error;
        score = null;
      }
      if (cache) await appendFile(cache, `${JSON.stringify({ key, score })}\n`);
    }
    out.push({ ...photo, score });
    onProgress?.(out.length, photos.length);
  }
  return out;
}

/**
 * The value below which `q` of the weight lies, each group weighing the same whatever its number of
 * photos (NUAA's hundreds of frames of one subject count as one subject, as much as MSU's one frame).
 */
export function groupWeightedQuantile(items: readonly { value: number; group: string }[], q: number): number {
  if (items.length === 0) throw new RangeError('no scores to choose a point on');
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.group, (counts.get(i.group) ?? 0) + 1);
  const sorted = [...items].sort((a, b) => a.value - b.value);
  const total = counts.size;
  let acc = 0;
  for (const item of sorted) {
    acc += 1 / counts.get(item.group)! / total;
    if (acc >= q - 1e-12) return item.value;
  }
  return sorted[sorted.length - 1]!.value;
}

/** What a set of scored photos gives at two points: refusals, step-ups and acceptances of each class. */
export interface LivenessRates {
  readonly live: number;
  readonly attacks: number;
  readonly noFace: { readonly live: number; readonly attacks: number };
  /** Live faces refused as attacks (below the attack point, or no face). */
  readonly bpcer: number | null;
  /** Live faces sent to the second factor (between the points). */
  readonly liveStepUp: number | null;
  /** Attacks accepted as live, without a second factor (at or above the live point). */
  readonly apcer: number | null;
  /** Attacks sent to the second factor (a PIN still stands between them and the door). */
  readonly attackStepUp: number | null;
  /** Each attack type: APCER and step-up share. */
  readonly byAttack: Record<string, { readonly attacks: number; readonly apcer: number; readonly stepUp: number }>;
  /** Live against attack scores, where both are present. */
  readonly auc: number | null;
}

const share = (n: number, of: number) => (of === 0 ? null : n / of);

export function ratesAt(scored: readonly ScoredPhoto[], points: LivenessPoints): LivenessRates {
  const lives = scored.filter((s) => s.live);
  const attacks = scored.filter((s) => !s.live);
  const refused = (s: ScoredPhoto) => s.score === null || s.score < points.attack;
  const accepted = (s: ScoredPhoto) => s.score !== null && s.score >= points.live;
  const stepUp = (s: ScoredPhoto) => !refused(s) && !accepted(s);
  const byAttack: Record<string, { attacks: number; apcer: number; stepUp: number }> = {};
  for (const type of [...new Set(attacks.map((a) => a.attack))].sort()) {
    const of = attacks.filter((a) => a.attack === type);
    byAttack[type] = { attacks: of.length, apcer: of.filter(accepted).length / of.length, stepUp: of.filter(stepUp).length / of.length };
  }
  return {
    live: lives.length,
    attacks: attacks.length,
    noFace: { live: lives.filter((s) => s.score === null).length, attacks: attacks.filter((s) => s.score === null).length },
    bpcer: share(lives.filter(refused).length, lives.length),
    liveStepUp: share(lives.filter(stepUp).length, lives.length),
    apcer: share(attacks.filter(accepted).length, attacks.length),
    attackStepUp: share(attacks.filter(stepUp).length, attacks.length),
    byAttack,
    auc: lives.length && attacks.length ? padAuc(scored) : null,
  };
}

const frameNumber = (file: string) => Number(/(\d+)\.[a-z]+$/i.exec(file)?.[1] ?? Number.NaN);

/**
 * A door's bursts: every run of `frames` consecutive frames (by frame number) of one subject, class and
 * session folder, fused as the API fuses them (median of log-odds). Only sets with frame sequences make
 * bursts (pad-dev-nuaa's webcam sequences; MSU has one frame per subject).
 */
export function bursts(scored: readonly ScoredPhoto[], frames: number): ScoredPhoto[] {
  const groups = new Map<string, ScoredPhoto[]>();
  for (const s of scored) {
    // NUAA names frames <subject>_<session stem>_<frame>.jpg: a burst stays within one session.
    const session = s.file.replace(/_\d+\.[a-z]+$/i, '');
    const key = `${s.set}|${s.subject}|${s.live}|${s.attack}|${session}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out: ScoredPhoto[] = [];
  for (const group of groups.values()) {
    const ordered = [...group].sort((a, b) => frameNumber(a.file) - frameNumber(b.file));
    if (ordered.some((s) => Number.isNaN(frameNumber(s.file)))) continue;
    for (let i = 0; i + frames <= ordered.length; i += frames) {
      const run = ordered.slice(i, i + frames);
      const score = fuseLivenessScores(run.flatMap((s) => (s.score === null ? [] : [s.score])));
      out.push({ ...run[0]!, file: run.map((s) => s.file).join('+'), score });
    }
  }
  return out;
}
