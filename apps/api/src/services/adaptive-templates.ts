import {
  adaptationRefusal,
  DEFAULT_ADAPTATION_CONFIG,
  l2Distance,
  withAdaptiveSample,
  type Encoding,
  type FaceDecision,
  type ProbeFace,
} from '@facegate/face-core';
import { decodeEncoding, encodeEncoding } from '../db/codecs.ts';
import type { DataCipher } from '../db/sealed.ts';
import { NotFoundError } from '../errors.ts';
import type { Gallery } from '../recognizer/gallery.ts';
import type { AttemptLearning } from './audit.ts';
import type { Prisma } from '../db/prisma.ts';

/** A frame the decision used, with what a sample keeps of it (the aligned chip, the detector's score). */
export interface DoorFrame extends ProbeFace {
  readonly thumbnail: Uint8Array;
  readonly score: number;
}

export const ENROLMENT = 'enrolment';
export const ADAPTIVE = 'adaptive';

/** What the recognition service knows of an attempt once its outcome is decided. */
export interface DecidedAttempt {
  readonly doorId: string | null;
  /** The site's and the door's settings both allow it (settingsAtDoor). */
  readonly enabled: boolean;
  /** The person the door opened for: an acceptance, not a step-up (null otherwise). */
  readonly acceptedPersonId: string | null;
  /** The door's liveness check ran and said live (the frames used are at or above its live point). */
  readonly live: boolean;
  readonly decision: FaceDecision;
  /** The frames the decision was made on (a burst frame judged worse was left out before). */
  readonly frames: readonly DoorFrame[];
}

/**
 * Templates that learn the doors' cameras (face-core's decision/adaptive.ts rule, off by default:
 * docs/adaptive-templates.md). A confident acceptance at a door that allows it adds one of its frames to
 * the person's samples as an `adaptive` sample, in the attempt's audit transaction (the event names the
 * sample): at most one an hour per person, at most DEFAULT_ADAPTATION_CONFIG.maxAdaptive kept (the oldest
 * aged out), enrolment samples never touched. Administrators list and remove them.
 */
export function createAdaptiveTemplates(deps: {
  prisma: Prisma;
  cipher: DataCipher;
  gallery: Gallery;
  changed: (ids: string[]) => Promise<void>;
  now: () => Date;
}) {
  const { prisma, cipher, gallery, changed, now } = deps;
  const config = DEFAULT_ADAPTATION_CONFIG;

  return {
    /** The learning to attach to the attempt's audit record, or null when it cannot learn (nothing read). */
    learning(attempt: DecidedAttempt): AttemptLearning | null {
      const { decision, acceptedPersonId: personId } = attempt;
      if (!attempt.enabled || !attempt.doorId || !personId || !attempt.live || decision.identity !== personId) return null;
      // The frames that passed the quality gates (the others were not compared), in the gallery's model.
      const model = gallery.model;
      const usable = attempt.frames
        .filter((_, i) => decision.frames.find((f) => f.index === i)?.refused === null)
        .map((frame) => ({ frame, encoding: gallery.probe(frame.encoding) }));
      if (usable.length === 0) return null;
      const doorId = attempt.doorId;
      return {
        // In the audit chain's transaction, which serialises attempts: two at once cannot both learn.
        async write(tx, eventId) {
          const at = now();
          const adaptive = await tx.faceSample.findMany({
            where: { personId, origin: ADAPTIVE },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { id: true, createdAt: true },
          });
          // At most one an hour: checked first, so that an attempt that cannot learn reads and decrypts no
          // enrolment sample while it holds the chain's lock (adaptationRefusal checks it again below).
          const lastAdaptedAt = adaptive.at(-1)?.createdAt.getTime() ?? null;
          if (lastAdaptedAt !== null && at.getTime() - lastAdaptedAt < config.minIntervalMs) return null;
          const enrolment = await tx.faceSample.findMany({
            where: { personId, origin: ENROLMENT, OR: [{ model }, { encodings: { some: { model, source: { not: 'failed' } } } }] },
            select: { model: true, encoding: true, encodings: { where: { model }, select: { encoding: true } } },
          });
          const anchors: Encoding[] = enrolment.map((s) =>
            decodeEncoding(cipher.open(s.model === model ? s.encoding : s.encodings[0]!.encoding)),
          );
          // The frame nearest the person's enrolment samples is the one kept.
          const nearest = (e: Encoding) => Math.min(...anchors.map((a) => l2Distance(e, a)));
          const chosen = usable.reduce((best, next) => (nearest(next.encoding) < nearest(best.encoding) ? next : best));
          const refusal = adaptationRefusal(
            decision,
            { probe: chosen.encoding, enrolment: anchors, lastAdaptedAt, now: at.getTime(), live: attempt.live },
            config,
          );
          if (refusal) return null;
          const { frame } = chosen;
          const sample = await tx.faceSample.create({
            data: {
              personId,
              origin: ADAPTIVE,
              doorId,
              eventId,
              createdAt: at,
              encoding: cipher.seal(encodeEncoding(chosen.encoding)),
              model,
              thumbnail: cipher.seal(frame.thumbnail),
              detectionScore: frame.score,
              eyeDistancePx: frame.quality.eyeDistancePx,
              sharpness: frame.quality.sharpness,
              brightness: frame.quality.brightness,
              yawDeg: frame.quality.yawDeg ?? null,
              pitchDeg: frame.quality.pitchDeg ?? null,
            },
            select: { id: true },
          });
          const { agedOut } = withAdaptiveSample(
            adaptive.map((s) => s.id),
            sample.id,
            config,
          );
          if (agedOut.length > 0) await tx.faceSample.deleteMany({ where: { id: { in: agedOut } } });
          return sample.id;
        },
        learnt: () => changed([personId]),
      };
    },

    /**
     * Removes the person's adaptive samples (`ids`, or all of them); enrolment samples are never touched
     * here. Returns how many were removed.
     */
    async remove(personId: string, ids: readonly string[] | null): Promise<number> {
      if (!(await prisma.person.findUnique({ where: { id: personId }, select: { id: true } }))) throw new NotFoundError('person');
      if (ids) {
        const found = await prisma.faceSample.count({ where: { id: { in: [...ids] }, personId, origin: ADAPTIVE } });
        if (found !== new Set(ids).size) throw new NotFoundError('adaptive sample of this person');
      }
      const { count } = await prisma.faceSample.deleteMany({
        where: { personId, origin: ADAPTIVE, ...(ids ? { id: { in: [...ids] } } : {}) },
      });
      if (count > 0) await changed([personId]);
      return count;
    },
  };
}

export type AdaptiveTemplates = ReturnType<typeof createAdaptiveTemplates>;
