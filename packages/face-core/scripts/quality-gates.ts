// Where do the probe quality gates belong? Enrols the first 70 identities of a folder (3 full-size
// photos each), then degrades every probe (downscaled, blurred, darkened, brightened) and prints, per
// bucket of the measured quality figure, how often enrolled people are missed and strangers let in, at
// the default threshold and at a looser one (0.40) where the rise shows first. Gates are not applied
// here: this measures what they should refuse. About 30 minutes on 2 cores for celeba-dev.
//
//   npx tsx packages/face-core/scripts/quality-gates.ts [--dir ../shared/faces/celeba-dev] [--enrolled 70]
import { parseArgs } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { listGallery } from '../src/cli/gallery.ts';
import {
  createFaceEngine,
  decisionThresholds,
  DEFAULT_DECISION_CONFIG,
  facesDir,
  FaceError,
  falseMatchRateForGallery,
  rankCandidates,
  type Encoding,
  type FaceQuality,
} from '../src/index.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: `${facesDir()}/celeba-dev` },
    enrolled: { type: 'string', default: '70' },
    samples: { type: 'string', default: '3' },
  },
});
const samples = Number(values.samples);
const LOOSE = 0.4;

type Degradation = { kind: string; value: number; apply: (image: Sharp, width: number, height: number) => Sharp };
const DEGRADATIONS: Degradation[] = [
  { kind: 'original', value: 1, apply: (i) => i },
  ...[0.5, 0.33, 0.25, 0.17, 0.12].map((f) => ({
    kind: 'scale',
    value: f,
    apply: (i: Sharp, w: number, h: number) => i.resize(Math.max(8, Math.round(w * f)), Math.max(8, Math.round(h * f))),
  })),
  ...[1.5, 3, 5].map((sigma) => ({ kind: 'blur', value: sigma, apply: (i: Sharp) => i.blur(sigma) })),
  ...[0.12, 0.25, 2.5].map((gain) => ({ kind: 'gain', value: gain, apply: (i: Sharp) => i.linear(gain, 0) })),
];

interface Probe {
  readonly mated: boolean;
  readonly identity: string;
  readonly quality: FaceQuality | null;
  readonly nearest: { identity: string; distance: number; margin: number } | null;
}

const engine = await createFaceEngine();
const people = await listGallery(values.dir!);
const names = [...people.keys()].sort();
const enrolled = new Set(names.filter((n) => people.get(n)!.length > samples).slice(0, Number(values.enrolled)));
const gallery = new Map<string, Encoding[]>();
for (const name of enrolled) {
  const encodings: Encoding[] = [];
  for (const photo of people.get(name)!.slice(0, samples))
    encodings.push((await engine.encodeFace(photo, { multiple: 'largest' })).encoding);
  gallery.set(name, encodings);
}
const { threshold } = decisionThresholds(
  DEFAULT_DECISION_CONFIG,
  falseMatchRateForGallery(DEFAULT_DECISION_CONFIG.falseMatchRate, DEFAULT_DECISION_CONFIG.fpirTarget, gallery.size),
);

const probes: Probe[] = [];
let done = 0;
for (const name of names) {
  const photos = enrolled.has(name) ? people.get(name)!.slice(samples) : people.get(name)!;
  for (const photo of photos) {
    const meta = await sharp(photo).metadata();
    for (const degradation of DEGRADATIONS) {
      const bytes = await degradation
        .apply(sharp(photo).rotate(), meta.width ?? 0, meta.height ?? 0)
        .jpeg({ quality: 92 })
        .toBuffer();
      try {
        const face = await engine.encodeFace(bytes, { multiple: 'largest' });
        const [first, second] = rankCandidates(face.encoding, gallery, DEFAULT_DECISION_CONFIG.rule);
        probes.push({
          mated: enrolled.has(name),
          identity: name,
          quality: face.quality,
          nearest: first ? { ...first, margin: (second?.distance ?? Infinity) - first.distance } : null,
        });
      } catch (error) {
        if (!(error instanceof FaceError)) throw error;
        probes.push({ mated: enrolled.has(name), identity: name, quality: null, nearest: null });
      }
    }
    if (++done % 50 === 0) process.stderr.write(`${done} photos\n`);
  }
}

const accepted = (p: Probe, t: number) =>
  p.nearest !== null && p.nearest.distance < t && p.nearest.margin >= DEFAULT_DECISION_CONFIG.ambiguityMargin;
function table(label: string, value: (q: FaceQuality) => number, edges: number[]) {
  console.log(
    `\n${label}: bucket, enrolled attempts, FNIR at ${threshold.toFixed(3)}, strangers, FPIR at ${threshold.toFixed(3)}, FPIR at ${LOOSE}`,
  );
  for (let i = 0; i + 1 < edges.length; i++) {
    const inside = probes.filter((p) => p.quality && value(p.quality) >= edges[i]! && value(p.quality) < edges[i + 1]!);
    const mated = inside.filter((p) => p.mated);
    const strangers = inside.filter((p) => !p.mated);
    const rate = (list: Probe[], test: (p: Probe) => boolean) =>
      list.length ? (list.filter(test).length / list.length).toFixed(3) : '  -  ';
    console.log(
      `[${edges[i]}, ${edges[i + 1]})`.padEnd(14),
      String(mated.length).padStart(5),
      rate(mated, (p) => !(accepted(p, threshold) && p.nearest!.identity === p.identity)),
      String(strangers.length).padStart(5),
      rate(strangers, (p) => accepted(p, threshold)),
      rate(strangers, (p) => accepted(p, LOOSE)),
    );
  }
}
console.log(
  `${gallery.size} enrolled, ${probes.length} probe images (${DEGRADATIONS.length} versions of each photo), ${probes.filter((p) => !p.quality).length} without a face`,
);
table('eye distance (px)', (q) => q.eyeDistancePx, [0, 6, 8, 10, 12, 14, 16, 20, 24, 32, 48, 10_000]);
table('sharpness', (q) => q.sharpness, [0, 2, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1e9]);
table('|yaw| (deg)', (q) => Math.abs(q.yawDeg), [0, 15, 30, 40, 50, 55, 60, 90]);
table('pitch (deg)', (q) => q.pitchDeg, [-90, -30, -20, -10, 10, 20, 30, 90]);
table('brightness', (q) => q.brightness, [0, 15, 25, 40, 60, 200, 220, 235, 256]);
engine.dispose();
