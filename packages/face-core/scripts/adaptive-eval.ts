/**
 * Templates that learn the door's camera, measured on a sequential protocol (issue 22, part 2):
 *   tsx scripts/adaptive-eval.ts [--dir ../shared/faces/celeba-dev] [--enrolled 70] [--cache FILE]
 * - celeba-dev's identities sorted by name; the first 70 with more than 3 photos are employees: their
 *   first 3 photos (by name) are enrolled, their later photos arrive at the door one by one, in order
 *   (visit 1, 2, ...); the other identities are strangers whose photos arrive interleaved with them;
 * - every arrival is identified with the project's decision (defaults); with adaptation, a confident
 *   acceptance adds its frame to the person's door samples (DEFAULT_ADAPTATION_CONFIG; one a visit, as
 *   each visit is a day apart);
 * - a lookalike attack: each stranger claims (verification) the enrolled person nearest to them, with
 *   every photo of theirs, over and over (5 rounds), while that person's genuine visits also go on.
 * Prints FNIR by visit number and FPIR, with and without adaptation, as one JSON object.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { listGallery } from '../src/cli/gallery.ts';
import { adaptationRefusal, DEFAULT_ADAPTATION_CONFIG, withAdaptiveSample } from '../src/decision/adaptive.ts';
import { DEFAULT_DECISION_CONFIG } from '../src/decision/constants.ts';
import { decideIdentification, decideVerification, type ProbeFace } from '../src/decision/decide.ts';
import { createFaceEngine } from '../src/engine.ts';
import { FaceError } from '../src/errors.ts';
import { facesDir } from '../src/faces-dir.ts';
import type { Encoding } from '../src/matching/match.ts';
import { l2Distance } from '../src/ops/l2.ts';
import { CAMERA_CONDITIONS } from '../src/learning/constants.ts';
import { degradePhoto } from '../src/learning/views.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(facesDir(), 'celeba-dev') },
    enrolled: { type: 'string', default: '70' },
    // The door's camera: the photos arriving at the door (not the enrolment photos) pass through it.
    camera: { type: 'string', default: 'none' },
    cache: { type: 'string' },
    // The rule's knobs, to measure variants (defaults: DEFAULT_ADAPTATION_CONFIG).
    confident: { type: 'string' },
    margin: { type: 'string' },
    cap: { type: 'string' },
  },
});
const rule = {
  ...DEFAULT_ADAPTATION_CONFIG,
  ...(values.confident ? { confidentFraction: Number(values.confident) } : {}),
  ...(values.margin ? { minMargin: Number(values.margin) } : {}),
  ...(values.cap ? { maxAdaptive: Number(values.cap) } : {}),
};
const camera = values.camera === 'none' ? null : CAMERA_CONDITIONS[values.camera!];
if (camera === undefined) throw new Error(`--camera: none or one of ${Object.keys(CAMERA_CONDITIONS).join(', ')}`);
const cacheFile = values.cache ?? `/tmp/facegate-adaptive-encodings-${values.camera}.json`;
const SAMPLES = 3;
const DAY = 86_400_000;

type Photo = { identity: string; file: string; face: ProbeFace | null };
let photos: Photo[];
if (existsSync(cacheFile)) photos = JSON.parse(await readFile(cacheFile, 'utf8'));
else {
  const engine = await createFaceEngine();
  const gallery = await listGallery(values.dir!);
  photos = [];
  const enrolledNames = new Set(
    [...gallery.keys()]
      .sort()
      .filter((n) => gallery.get(n)!.length > SAMPLES)
      .slice(0, Number(values.enrolled)),
  );
  for (const [identity, files] of gallery) {
    for (const [i, file] of [...files].sort().entries()) {
      const atDoor = !(enrolledNames.has(identity) && i < SAMPLES);
      try {
        const face = await engine.encodeFace(camera && atDoor ? await degradePhoto(file, camera) : file, { multiple: 'largest' });
        photos.push({ identity, file, face: { encoding: face.encoding, quality: face.quality } });
      } catch (error) {
        if (!(error instanceof FaceError)) throw error;
        photos.push({ identity, file, face: null });
      }
    }
  }
  engine.dispose();
  await writeFile(cacheFile, JSON.stringify(photos));
}

const byIdentity = new Map<string, Photo[]>();
for (const p of photos) byIdentity.set(p.identity, [...(byIdentity.get(p.identity) ?? []), p]);
const names = [...byIdentity.keys()].sort();
const employees = names.filter((n) => byIdentity.get(n)!.length > SAMPLES).slice(0, Number(values.enrolled));
const strangers = names.filter((n) => !employees.includes(n));

function run(adapt: boolean) {
  const enrolment = new Map<string, Encoding[]>(
    employees.map((n) => [
      n,
      byIdentity
        .get(n)!
        .slice(0, SAMPLES)
        .flatMap((p) => (p.face ? [p.face.encoding] : [])),
    ]),
  );
  const door = new Map<string, { encoding: Encoding; at: number }[]>(employees.map((n) => [n, []]));
  const database = () =>
    new Map(
      employees.map((n) => [n, [...enrolment.get(n)!, ...door.get(n)!.map((d) => d.encoding)]] as const).filter(([, e]) => e.length > 0),
    );
  const byVisit: { attempts: number; misses: number }[] = [];
  let strangerAttempts = 0,
    strangerAccepted = 0,
    added = 0;
  const refusals: Record<string, number> = {};
  const learn = (identity: string, probe: ProbeFace, decision: ReturnType<typeof decideIdentification>, now: number) => {
    if (!adapt) return;
    const samples = door.get(identity)!;
    const refusal = adaptationRefusal(
      decision,
      { probe: probe.encoding, enrolment: enrolment.get(identity)!, lastAdaptedAt: samples.at(-1)?.at ?? null, now, live: true },
      rule,
    );
    if (refusal) {
      refusals[refusal] = (refusals[refusal] ?? 0) + 1;
      return;
    }
    door.set(identity, withAdaptiveSample(samples, { encoding: probe.encoding, at: now }, rule).kept);
    added++;
  };
  // Day by day: each employee's next photo (visit k on day k), and strangers' photos spread over the days.
  const visits = Math.max(...employees.map((n) => byIdentity.get(n)!.length - SAMPLES));
  const strangerQueue = strangers.flatMap((n) => byIdentity.get(n)!);
  const perDay = Math.ceil(strangerQueue.length / visits);
  for (let k = 0; k < visits; k++) {
    const now = (k + 1) * DAY;
    for (const name of employees) {
      const photo = byIdentity.get(name)![SAMPLES + k];
      if (!photo) continue;
      const slot = (byVisit[k] ??= { attempts: 0, misses: 0 });
      slot.attempts++;
      if (!photo.face) {
        slot.misses++;
        continue;
      }
      const decision = decideIdentification([photo.face], database(), DEFAULT_DECISION_CONFIG);
      const ok = decision.outcome === 'accept' && decision.identity === name;
      if (!ok) slot.misses++;
      if (decision.outcome === 'accept' && decision.identity) learn(decision.identity, photo.face, decision, now);
    }
    for (const photo of strangerQueue.slice(k * perDay, (k + 1) * perDay)) {
      strangerAttempts++;
      if (!photo.face) continue;
      const decision = decideIdentification([photo.face], database(), DEFAULT_DECISION_CONFIG);
      if (decision.outcome === 'accept') {
        strangerAccepted++;
        learn(decision.identity!, photo.face, decision, now);
      }
    }
  }
  // The lookalike: each stranger against their nearest employee, every photo, 5 rounds of days; the
  // employee's template has whatever it learnt above, and may learn from the attacker's accepted tries.
  let attackTries = 0,
    attackAccepted = 0,
    attackAddedToVictim = 0;
  for (const stranger of strangers) {
    const own = byIdentity.get(stranger)!.filter((p) => p.face);
    if (own.length === 0) continue;
    const victim = employees
      .map((n) => ({ n, d: Math.min(...own.flatMap((p) => enrolment.get(n)!.map((e) => l2Distance(p.face!.encoding, e)))) }))
      .sort((a, b) => a.d - b.d)[0]!.n;
    for (let round = 0; round < 5; round++) {
      for (const photo of own) {
        attackTries++;
        const now = (visits + 1 + round) * DAY + attackTries;
        const decision = decideVerification([photo.face!], victim, database(), DEFAULT_DECISION_CONFIG);
        if (decision.outcome === 'accept') {
          attackAccepted++;
          const before = door.get(victim)!.length;
          learn(victim, photo.face!, { ...decision, identity: victim }, now);
          if (door.get(victim)!.length > before || door.get(victim)!.at(-1)?.encoding === photo.face!.encoding) attackAddedToVictim++;
        }
      }
    }
  }
  const round = (v: number) => Number(v.toFixed(4));
  return {
    fnirByVisit: byVisit.map((v, i) => ({ visit: i + 1, attempts: v.attempts, fnir: round(v.misses / v.attempts) })),
    fpir: round(strangerAccepted / strangerAttempts),
    strangerAttempts,
    doorSamplesAdded: added,
    refusedToLearn: refusals,
    lookalike: {
      tries: attackTries,
      accepted: attackAccepted,
      acceptedRate: round(attackAccepted / attackTries),
      learntIntoVictim: attackAddedToVictim,
    },
  };
}

process.stdout.write(
  `${JSON.stringify({ camera: values.camera, employees: employees.length, strangers: strangers.length, config: rule, without: run(false), with: run(true) })}\n`,
);
