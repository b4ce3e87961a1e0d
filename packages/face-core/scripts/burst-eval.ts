/**
 * Real bursts (issue 22, part 3): what a burst of consecutive frames of one visit gives over one frame.
 *   tsx scripts/burst-eval.ts
 * - pad-dev-nuaa's live frames are webcam sequences (6 subjects, 1-3 sessions each). Each subject enrols
 *   3 frames of their first session (its first, middle and last frame); the probes are the frames of their
 *   other sessions (for the two subjects with one session, the second half of it, after the enrolment's
 *   middle frame: the nearest probes are then closer to enrolment than a real visit would be).
 * - celeba-dev's 100 identities enrol their first 3 photos too, so that each NUAA probe is identified in
 *   a gallery of 106 people (the default identification threshold for that size).
 * - Single frames, then non-overlapping bursts of 2, 3 and 5 consecutive frames of one session, fused as
 *   the API fuses them; FNIR at the defaults (refused, step-up, gated or taken for someone else).
 * MSU-MFSD's live photos are one frame per subject: nothing to burst there.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listGallery } from '../src/cli/gallery.ts';
import { DEFAULT_DECISION_CONFIG } from '../src/decision/constants.ts';
import { decideIdentification, type ProbeFace } from '../src/decision/decide.ts';
import { createFaceEngine } from '../src/engine.ts';
import { FaceError } from '../src/errors.ts';
import { facesDir } from '../src/faces-dir.ts';
import { readPadDir } from '../src/liveness/dataset.ts';
import type { Encoding } from '../src/matching/match.ts';
import { l2Distance } from '../src/ops/l2.ts';

const engine = await createFaceEngine();
const encode = async (file: string): Promise<ProbeFace | null> => {
  try {
    const face = await engine.encodeFace(new Uint8Array(await readFile(file)), { multiple: 'largest' });
    return { encoding: face.encoding, quality: face.quality };
  } catch (error) {
    if (!(error instanceof FaceError)) throw error;
    return null;
  }
};

const gallery = new Map<string, Encoding[]>();
for (const [name, files] of await listGallery(path.join(facesDir(), 'celeba-dev'))) {
  const faces = await Promise.all([...files].sort().slice(0, 3).map(encode));
  gallery.set(
    `celeba:${name}`,
    faces.flatMap((f) => (f ? [f.encoding] : [])),
  );
}

type Frame = { subject: string; session: string; frame: number; path: string };
const frames: Frame[] = (await readPadDir(path.join(facesDir(), 'pad-dev-nuaa')))
  .filter((s) => s.live)
  .map((s) => {
    const m = /_(\d+)_(\d+)\.jpg$/.exec(s.file)!;
    return { subject: s.subject!, session: m[1]!, frame: Number(m[2]), path: s.path };
  });
const probes: { subject: string; session: string; frame: number; face: ProbeFace | null }[] = [];
for (const subject of [...new Set(frames.map((f) => f.subject))].sort()) {
  const own = frames.filter((f) => f.subject === subject).sort((a, b) => a.session.localeCompare(b.session) || a.frame - b.frame);
  const first = own.filter((f) => f.session === own[0]!.session);
  const enrol = [first[0]!, first[Math.floor(first.length / 2)]!, first.at(-1)!];
  gallery.set(
    subject,
    (await Promise.all(enrol.map((f) => encode(f.path)))).flatMap((f) => (f ? [f.encoding] : [])),
  );
  const single = new Set(own.map((f) => f.session)).size === 1;
  const probing = single ? first.slice(Math.floor(first.length / 2) + 1, -1) : own.filter((f) => f.session !== own[0]!.session);
  for (const f of probing) probes.push({ subject, session: f.session, frame: f.frame, face: await encode(f.path) });
}
engine.dispose();

function fnir(burst: number) {
  const groups = new Map<string, typeof probes>();
  for (const p of probes) groups.set(`${p.subject}|${p.session}`, [...(groups.get(`${p.subject}|${p.session}`) ?? []), p]);
  let attempts = 0,
    misses = 0;
  const bySubject: Record<string, { attempts: number; misses: number }> = {};
  for (const list of groups.values()) {
    for (let i = 0; i + burst <= list.length; i += burst) {
      const faces = list.slice(i, i + burst).flatMap((p) => (p.face ? [p.face] : []));
      const subject = list[0]!.subject;
      const decision = faces.length ? decideIdentification(faces, gallery, DEFAULT_DECISION_CONFIG) : null;
      const miss = !(decision?.outcome === 'accept' && decision.identity === subject);
      attempts++;
      if (miss) misses++;
      const s = (bySubject[subject] ??= { attempts: 0, misses: 0 });
      s.attempts++;
      if (miss) s.misses++;
    }
  }
  return {
    frames: burst,
    attempts,
    fnir: Number((misses / attempts).toFixed(4)),
    bySubject: Object.fromEntries(Object.entries(bySubject).map(([k, v]) => [k, Number((v.misses / v.attempts).toFixed(3))])),
  };
}

// How far apart the frames of one burst are (mean pairwise distance), against three photos of one person
// (celeba-dev's enrolment triples): what tells a burst of one visit from independent photos.
const spread = (list: readonly Encoding[]) => {
  let sum = 0,
    n = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += l2Distance(list[i]!, list[j]!);
      n++;
    }
  }
  return n ? sum / n : 0;
};
const quantiles = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return Object.fromEntries(
    [0.01, 0.05, 0.5, 0.95, 0.99].map((q) => [q, Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3))]),
  );
};
const burstSpreads: number[] = [];
const sessions = new Map<string, typeof probes>();
for (const p of probes) sessions.set(`${p.subject}|${p.session}`, [...(sessions.get(`${p.subject}|${p.session}`) ?? []), p]);
for (const list of sessions.values())
  for (let i = 0; i + 3 <= list.length; i += 3)
    burstSpreads.push(spread(list.slice(i, i + 3).flatMap((p) => (p.face ? [p.face.encoding] : []))));
const photoSpreads = [...gallery].filter(([k, e]) => k.startsWith('celeba:') && e.length === 3).map(([, e]) => spread(e));

process.stdout.write(
  `${JSON.stringify({ spread: { burstsOf3: quantiles(burstSpreads), celebaTriples: quantiles(photoSpreads) }, gallery: gallery.size, probes: probes.length, noFace: probes.filter((p) => !p.face).length, results: [1, 2, 3, 5].map(fnir) })}\n`,
);
