import {
  DEFAULT_DECISION_CONFIG,
  DEFAULT_GALLERY_RULE,
  decisionThresholds,
  ENCODER_MODEL_ID,
  type DecisionConfig,
  type GalleryRule,
} from '@facegate/face-core';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.ts';
import type { Prisma } from '../../db/prisma.ts';

export const settingsSchema = z.object({
  /**
   * The false-accept rate the doors are held to, per comparison of a face with one person ("1 in
   * 10,000" = 1e-4). The distance threshold follows from the encoder's calibration, and for
   * identification also from the gallery's size.
   */
  falseAcceptRate: z
    .number()
    .min(1e-6, 'the false-accept rate must be at least 1 in 1,000,000')
    .max(0.01, 'the false-accept rate must be at most 1 in 100'),
  /** An administrator's fixed L2 distance threshold instead of the calibrated one; null = calibrated. */
  thresholdOverride: z.number().min(0.05, 'the threshold must be at least 0.05').max(1.5, 'the threshold must be at most 1.5').nullable(),
  /** Borderline and ambiguous faces answer STEP_UP (a second factor may complete them) instead of REFUSED. */
  stepUp: z.boolean(),
  /** How a person's several samples are compared with a probe. */
  rule: z.enum(['nearest', 'soft-nearest', 'centroid', 'mean-distance']),
  /** Recognition attempts per minute per API key or administrator, and per door. */
  rateLimitPerMinute: z.number().int().min(1, 'at least 1 attempt per minute').max(100_000, 'at most 100,000 attempts per minute'),
  /**
   * The presentation-attack check (a printed photo or a screen at the camera): off, balanced (5 % of
   * attacks accepted in cross-validation on pad-dev) or strict (1 %). Balanced by default: a door
   * must not open for a photo. Trained on 18 subjects, it passes door-camera frames but refuses some
   * portrait photos, which are not a live person either (see the README's liveness section).
   */
  liveness: z.enum(['off', 'balanced', 'strict']),
  /** Face images in audit events older than this many days are erased (the events stay); null keeps them. */
  auditImageRetentionDays: z.number().int().min(1, 'keep audit images at least 1 day').max(3650, 'at most 3650 days').nullable(),
  /**
   * Templates that learn the doors' cameras (docs/adaptive-templates.md): allowed for the site. A door
   * learns only when this and its own setting are both on. Off by default: measured, it gave no gain.
   */
  adaptiveTemplates: z.boolean(),
  /** Every administrator signs in with a second factor; one without it may only sign in to enrol it. */
  requireSecondFactor: z.boolean(),
});
export type StoredSettings = z.infer<typeof settingsSchema> & { rule: GalleryRule };

export interface Settings extends StoredSettings {
  /** The verification threshold in force (calibrated, or the override). */
  readonly threshold: number;
  /** The encoder the calibration belongs to. */
  readonly model: string;
}

export type SettingsPatch = Partial<StoredSettings> & { threshold?: number | null };

export const DEFAULT_SETTINGS: StoredSettings = {
  falseAcceptRate: DEFAULT_DECISION_CONFIG.falseMatchRate,
  thresholdOverride: null,
  stepUp: true,
  rule: DEFAULT_GALLERY_RULE,
  rateLimitPerMinute: 600,
  auditImageRetentionDays: 90,
  liveness: 'balanced',
  adaptiveTemplates: false,
  requireSecondFactor: false,
};

/** The verification threshold the false-accept target calibrates to (what the threshold is when not fixed). */
export function calibratedThreshold(stored: StoredSettings): number {
  return decisionThresholds(decisionConfig({ ...stored, thresholdOverride: null })).threshold;
}

/** The face-core decision configuration for these settings. */
export function decisionConfig(settings: StoredSettings): DecisionConfig {
  return {
    ...DEFAULT_DECISION_CONFIG,
    falseMatchRate: settings.falseAcceptRate,
    threshold: settings.thresholdOverride,
    stepUpFactor: settings.stepUp ? DEFAULT_DECISION_CONFIG.stepUpFactor : 1,
    rule: settings.rule,
  };
}

export function withThreshold(stored: StoredSettings): Settings {
  return { ...stored, threshold: decisionThresholds(decisionConfig(stored)).threshold, model: ENCODER_MODEL_ID };
}

/**
 * Settings live in the Setting table (one JSON value per key) and are cached here for the hot path.
 * Every change is recorded in SettingChange (who, when, old and new value, the encoder), the effective
 * threshold included when it moves.
 */
export function createSettingsService(prisma: Prisma) {
  let cache: Settings = withThreshold(DEFAULT_SETTINGS);
  function apply(patch: SettingsPatch): { changes: Partial<StoredSettings>; next: Settings } {
    const { threshold, ...rest } = patch;
    const changes: Partial<StoredSettings> = { ...rest };
    // A new false-accept target means the calibrated threshold, unless a threshold comes with it.
    if (patch.falseAcceptRate !== undefined && threshold === undefined) changes.thresholdOverride = null;
    if (threshold !== undefined) changes.thresholdOverride = threshold;
    const parsed = settingsSchema.safeParse({ ...cache, ...changes });
    if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return { changes, next: withThreshold(parsed.data as StoredSettings) };
  }
  const service = {
    current: (): Settings => cache,
    decisionConfig: (): DecisionConfig => decisionConfig(cache),
    async reload(): Promise<Settings> {
      const rows = await prisma.setting.findMany({ where: { key: { in: [...Object.keys(DEFAULT_SETTINGS), 'threshold'] } } });
      const stored: Record<string, unknown> = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
      // Before calibrated thresholds, an administrator's threshold was stored as `threshold`.
      if ('threshold' in stored && !('thresholdOverride' in stored)) stored.thresholdOverride = stored.threshold;
      delete stored.threshold;
      cache = withThreshold(settingsSchema.parse({ ...DEFAULT_SETTINGS, ...stored }) as StoredSettings);
      return cache;
    },
    /** The settings a patch would give, validated, without saving them (a preview). */
    preview(patch: SettingsPatch): Settings {
      return apply(patch).next;
    },
    async update(patch: SettingsPatch, adminId: string | null = null): Promise<Settings> {
      const { changes, next } = apply(patch);
      const keys = (Object.keys(changes) as (keyof StoredSettings)[]).filter(
        (key) => JSON.stringify(cache[key]) !== JSON.stringify(next[key]),
      );
      const audit: { key: string; oldValue: string; newValue: string }[] = keys.map((key) => ({
        key,
        oldValue: JSON.stringify(cache[key]),
        newValue: JSON.stringify(next[key]),
      }));
      if (next.threshold !== cache.threshold)
        audit.push({ key: 'threshold', oldValue: JSON.stringify(cache.threshold), newValue: JSON.stringify(next.threshold) });
      await prisma.$transaction([
        ...keys.map((key) =>
          prisma.setting.upsert({
            where: { key },
            create: { key, value: JSON.stringify(next[key]) },
            update: { value: JSON.stringify(next[key]) },
          }),
        ),
        ...audit.map((change) => prisma.settingChange.create({ data: { ...change, adminId, model: next.model } })),
      ]);
      cache = next;
      return cache;
    },
    /** The change log, newest first. */
    changes: (offset: number, limit: number) =>
      prisma.settingChange.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: limit }),
  };
  return service;
}

export type SettingsService = ReturnType<typeof createSettingsService>;
