import {
  decideIdentification,
  decideVerification,
  ENCODER_MODEL_ID,
  GalleryMatrix,
  type DecisionConfig,
  type FaceDecision,
} from '@facegate/face-core';
import { decodeEncoding } from '../../db/codecs.ts';
import { searchWithHead, type ActiveModel } from '../../recognizer/gallery.ts';
import type { Heads } from './active-model.ts';
import { afterTheDoors, type ModelsDeps } from './shared.ts';

/** Histogram of distances in bins of 0.05 from 0 to 1.5 (the last bin takes everything beyond). */
function histogram(distances: readonly number[]): number[] {
  const bins = new Array<number>(30).fill(0);
  for (const d of distances) bins[Math.min(bins.length - 1, Math.max(0, Math.floor(d / 0.05)))]! += 1;
  return bins;
}

type Outcome = 'accepted' | 'step_up' | 'refused';
const OUTCOME: Record<FaceDecision['outcome'], Outcome> = { accept: 'accepted', step_up: 'step_up', reject: 'refused' };

export interface ModelReplay {
  readonly model: string;
  readonly accepted: number;
  readonly stepUp: number;
  readonly refused: number;
  /** Samples of enrolled people this model has no encoding for (left out of its gallery). */
  readonly samplesMissing: number;
  readonly distances: readonly number[];
  /** Distances of the replayed attempts in bins of 0.05 (0-0.05, 0.05-0.1, ...; the last takes the rest). */
  readonly histogram: readonly number[];
  readonly verifyThreshold: number;
}

export interface ModelComparison {
  readonly current: ModelReplay;
  readonly candidate: ModelReplay;
  /** Attempts of the audit log looked at (with a face image kept and a face decision). */
  readonly attempts: number;
  /** ... of which replayed with both models; the others' image gave no face again or named an erased person. */
  readonly replayed: number;
  readonly unreadable: number;
  readonly unchanged: number;
  readonly acceptedToRefused: number;
  readonly refusedToAccepted: number;
  readonly personChanged: number;
  /** Each replayed attempt: its id, and the face decision under each model. */
  readonly changes: readonly {
    eventId: string;
    kind: string;
    before: Outcome;
    after: Outcome;
    beforePersonId: string | null;
    afterPersonId: string | null;
    beforeDistance: number | null;
    afterDistance: number | null;
  }[];
}

/**
 * The audit history replayed with the active model and with `headId`'s (null: the encoder alone): the
 * face image kept with each of the last `last` decided attempts is encoded again (on the pool, one at
 * a time), then decided against each model's gallery with today's settings. Face decisions only: the
 * access policy, liveness and second factor are left aside.
 */
export async function compareModels(
  deps: ModelsDeps & { heads: Heads; config: DecisionConfig },
  headId: string | null,
  last = 200,
): Promise<ModelComparison> {
  const { prisma, cipher, recognizer, gallery, config } = deps;
  const candidate = await deps.heads.activeModelOf({ headId });
  const current: ActiveModel = { model: gallery.model, head: gallery.head };
  // Each model's gallery: the sample's encoding in that model, else derived from the encoder's (a head is a
  // function of it), else missing.
  const samples = await prisma.faceSample.findMany({
    where: { person: { active: true } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { personId: true, model: true, encoding: true, encodings: { select: { model: true, encoding: true, source: true } } },
  });
  const galleryOf = (m: ActiveModel) => {
    const byPerson = new Map<string, number[][]>();
    let missing = 0;
    for (const s of samples) {
      const versions = new Map<string, Uint8Array>([
        [s.model, s.encoding],
        ...s.encodings.filter((e) => e.source !== 'failed').map((e) => [e.model, e.encoding] as const),
      ]);
      const own = versions.get(m.model);
      const encoder = versions.get(ENCODER_MODEL_ID);
      const encoding = own
        ? decodeEncoding(cipher.open(own))
        : encoder && m.head
          ? m.head.apply(decodeEncoding(cipher.open(encoder)))
          : null;
      if (!encoding) {
        missing++;
        continue;
      }
      byPerson.set(s.personId, [...(byPerson.get(s.personId) ?? []), encoding]);
    }
    return { search: searchWithHead(new GalleryMatrix(byPerson, { annThreshold: Number.POSITIVE_INFINITY }), m.head), missing };
  };
  const galleries = [galleryOf(current), galleryOf(candidate)] as const;
  const events = await prisma.recognitionEvent.findMany({
    where: { thumbnail: { not: null }, distance: { not: null }, decision: { in: ['accepted', 'refused', 'step_up'] } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: Math.max(1, Math.min(last, 2_000)),
    select: { id: true, kind: true, claimedPersonId: true, thumbnail: true },
  });
  const replays = galleries.map(() => ({ accepted: 0, stepUp: 0, refused: 0, distances: [] as number[], verifyThreshold: Number.NaN }));
  const changes: ModelComparison['changes'][number][] = [];
  let unreadable = 0;
  for (const event of events) {
    if (event.kind === 'verify' && !event.claimedPersonId) {
      unreadable++;
      continue;
    }
    await afterTheDoors(recognizer);
    const result = await recognizer.analyze({ image: cipher.open(event.thumbnail!), faces: 'largest' });
    if (!result.ok) {
      unreadable++;
      continue;
    }
    const probe = [{ encoding: result.faces[0]!.encoding, quality: result.faces[0]!.quality }];
    const decisions = galleries.map((g, i) => {
      const d =
        event.kind === 'verify'
          ? decideVerification(probe, event.claimedPersonId!, g.search, config)
          : decideIdentification(probe, g.search, config);
      const r = replays[i]!;
      const outcome = OUTCOME[d.outcome];
      if (outcome === 'accepted') r.accepted++;
      else if (outcome === 'step_up') r.stepUp++;
      else r.refused++;
      if (d.distance !== null) r.distances.push(d.distance);
      if (event.kind === 'verify') r.verifyThreshold = d.threshold;
      return { outcome, person: outcome === 'accepted' ? d.identity : null, distance: d.distance };
    });
    const [before, after] = decisions as [(typeof decisions)[number], (typeof decisions)[number]];
    changes.push({
      eventId: event.id,
      kind: event.kind,
      before: before.outcome,
      after: after.outcome,
      beforePersonId: before.person,
      afterPersonId: after.person,
      beforeDistance: before.distance,
      afterDistance: after.distance,
    });
  }
  const replayOf = (i: 0 | 1, m: ActiveModel): ModelReplay => ({
    model: m.model,
    ...replays[i]!,
    histogram: histogram(replays[i]!.distances),
    samplesMissing: galleries[i].missing,
  });
  return {
    current: replayOf(0, current),
    candidate: replayOf(1, candidate),
    attempts: events.length,
    replayed: changes.length,
    unreadable,
    acceptedToRefused: changes.filter((c) => c.before === 'accepted' && c.after !== 'accepted').length,
    refusedToAccepted: changes.filter((c) => c.before !== 'accepted' && c.after === 'accepted').length,
    personChanged: changes.filter((c) => c.before === 'accepted' && c.after === 'accepted' && c.beforePersonId !== c.afterPersonId).length,
    unchanged: changes.filter((c) => c.before === c.after && c.beforePersonId === c.afterPersonId).length,
    changes,
  };
}
