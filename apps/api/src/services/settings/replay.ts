import { decisionThresholds, DEFAULT_DECISION_CONFIG, falseMatchRateForGallery } from '@facegate/face-core';
import type { Prisma } from '../../db/prisma.ts';
import { decisionConfig, type Settings, type SettingsService } from './settings.ts';

/** The verification threshold, and the identification one for a gallery of some size. */
export interface Thresholds {
  readonly verify: number;
  readonly identify: number;
}

/** The thresholds of some settings, the identification one for today's gallery size. */
export function thresholdsOf(s: Settings, gallerySize: number): Thresholds {
  return {
    verify: s.threshold,
    identify: decisionThresholds(
      decisionConfig(s),
      falseMatchRateForGallery(s.falseAcceptRate, DEFAULT_DECISION_CONFIG.fpirTarget, gallerySize),
    ).threshold,
  };
}

/**
 * The last compared attempts (everywhere, or at one door) replayed under `thresholds`: how many refused
 * then would be accepted, and the reverse.
 */
export async function replayAttempts(prisma: Prisma, thresholds: Thresholds, last: number, doorId?: string) {
  const events = await prisma.recognitionEvent.findMany({
    where: { distance: { not: null }, decision: { in: ['accepted', 'refused', 'step_up'] }, ...(doorId ? { doorId } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: Math.max(1, Math.min(last, 10_000)),
    select: { kind: true, distance: true, threshold: true, decision: true, reason: true },
  });
  let toAccepted = 0;
  let toRefused = 0;
  for (const e of events) {
    const before = e.distance! < e.threshold;
    const after = e.distance! < (e.kind === 'identify' ? thresholds.identify : thresholds.verify);
    if (after && !before) toAccepted++;
    if (before && !after) toRefused++;
  }
  return { events, toAccepted, toRefused };
}

/** What a settings change reads: the database, the settings in force, the gallery's size. */
export interface SettingsChangeDeps {
  readonly prisma: Prisma;
  readonly settings: Pick<SettingsService, 'current' | 'preview'>;
  readonly gallerySize: () => number;
}
