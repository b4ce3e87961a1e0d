import { DOOR_CALIBRATION_STEP_UP, doorLivePoint, livenessPointsFor, type LivenessPoints } from '@facegate/face-core';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { settingsAtDoor, type DoorSettings } from '../policy/door-settings.ts';
import type { Prisma } from '../db/prisma.ts';
import type { Settings } from '../services/settings/settings.ts';

/** The door's own accepted attempts read at most (the most recent). */
export const CALIBRATION_MAX_ATTEMPTS = 5000;
/** Fewer accepted attempts than this suggest no point: a handful of people say little of a camera. */
export const CALIBRATION_MIN_ATTEMPTS = 20;
const BINS = 20;

export interface DoorLivenessCalibration {
  readonly doorId: string;
  readonly days: number;
  /** The points in force at the door now (null: the check is off there). */
  readonly points: LivenessPoints | null;
  /** Whether the live point is the door's own (calibrated) rather than the operating point's. */
  readonly calibrated: boolean;
  /**
   * Attempts with a liveness score in the window known to be live: clear acceptances, step-ups completed
   * with the PIN, and refused attempts an administrator marked "this was a live person" (markAttemptLive).
   */
  readonly attempts: number;
  /** Of `attempts`, those marked live by an administrator. */
  readonly markedLive: number;
  /** Their scores' 1st, 5th, 10th, 25th and 50th percentiles. */
  readonly quantiles: { readonly q: number; readonly score: number }[];
  /** Counts in 20 bins of width 0.05 over [0, 1]. */
  readonly histogram: number[];
  /** The live point that would send DOOR_CALIBRATION_STEP_UP of them to the PIN; null under CALIBRATION_MIN_ATTEMPTS. */
  readonly suggestedLivePoint: number | null;
  /** Of these attempts, the share the door's current live point sends to the PIN. */
  readonly stepUpNow: number | null;
}

/**
 * A door's camera shifts everyone's liveness score (measured: the live faces of one database sat where
 * the attacks of another did). The door's accepted attempts, clear ones and those completed with the
 * person's PIN (the uncertain band), show where its live faces lie; the suggested live point asks 5 % of
 * them for the PIN. An administrator reads it and sets it (updateDoor settings.livenessLivePoint).
 * Live people the door refused (a camera that scores everyone low) are seen only when an administrator
 * marks those attempts live: without them the door's lowest live scores would never be read.
 */
export function createDoorCalibration(
  prisma: Prisma,
  deps: { settings: () => Settings; doorSettings: (doorId: string) => Promise<DoorSettings | null>; now: () => Date },
) {
  return {
    async forDoor(doorId: string, days = 30): Promise<DoorLivenessCalibration | null> {
      const own = await deps.doorSettings(doorId);
      if (!own) return null;
      const local = settingsAtDoor(deps.settings(), own);
      const points = livenessPointsFor(local.liveness, own.livenessLivePoint);
      const since = new Date(deps.now().getTime() - days * 86_400_000);
      const rows = await prisma.recognitionEvent.findMany({
        where: {
          doorId,
          livenessScore: { not: null },
          createdAt: { gte: since },
          OR: [{ decision: 'accepted' }, { livenessLabel: { isNot: null } }],
        },
        select: { livenessScore: true, decision: true },
        orderBy: { createdAt: 'desc' },
        take: CALIBRATION_MAX_ATTEMPTS,
      });
      const scores = rows.map((r) => r.livenessScore!).sort((a, b) => a - b);
      const histogram = new Array<number>(BINS).fill(0);
      for (const s of scores) histogram[Math.min(BINS - 1, Math.floor(s * BINS))]!++;
      const quantiles =
        scores.length === 0
          ? []
          : [0.01, 0.05, 0.1, 0.25, 0.5].map((q) => ({ q, score: scores[Math.min(scores.length - 1, Math.floor(q * scores.length))]! }));
      // The suggestion never goes below the attack point of the mode (a door's own live point may have lowered it).
      const attackPoint = livenessPointsFor(local.liveness)?.attack ?? 0;
      return {
        doorId,
        days,
        points,
        calibrated: own.livenessLivePoint !== undefined,
        attempts: scores.length,
        markedLive: rows.filter((r) => r.decision !== 'accepted').length,
        quantiles,
        histogram,
        suggestedLivePoint: doorLivePoint(scores, attackPoint, DOOR_CALIBRATION_STEP_UP, CALIBRATION_MIN_ATTEMPTS),
        stepUpNow: points && scores.length > 0 ? scores.filter((s) => s < points.live).length / scores.length : null,
      };
    },

    /**
     * An administrator's word that a refused (or stepped-up, never completed) attempt at a door was a
     * live person: from then on the door's calibration reads its score. Only attempts the check scored,
     * at a door, and not accepted (those count already); marking twice changes nothing.
     */
    async markLive(eventId: string, adminId: string | null) {
      const event = await prisma.recognitionEvent.findUnique({
        where: { id: eventId },
        select: { id: true, doorId: true, decision: true, livenessScore: true },
      });
      if (!event) throw new NotFoundError('attempt');
      if (event.livenessScore === null)
        throw new InvalidInputError('the liveness check did not run on this attempt: there is no score to learn from');
      if (!event.doorId) throw new InvalidInputError("this attempt was not made at a door: no door's calibration to feed");
      if (event.decision === 'accepted') throw new InvalidInputError('this attempt was accepted: it counts as live already');
      await prisma.livenessLabel.upsert({ where: { eventId }, create: { eventId, adminId }, update: {} });
      return { eventId, doorId: event.doorId, livenessScore: event.livenessScore };
    },

    isMarkedLive: async (eventId: string) => (await prisma.livenessLabel.count({ where: { eventId } })) > 0,
  };
}
export type DoorCalibrationService = ReturnType<typeof createDoorCalibration>;
