import { z } from 'zod';
import { settingsSchema, withThreshold, type Settings } from '../services/settings/settings.ts';

/**
 * A door's own decision settings, each overriding the global one when set: a stricter false-accept
 * target at the server room, a second factor always at the lab, several frames at the lobby.
 */
export const doorSettingsSchema = z
  .object({
    falseAcceptRate: settingsSchema.shape.falseAcceptRate,
    /** A fixed distance threshold at this door instead of the calibrated one. */
    thresholdOverride: settingsSchema.shape.thresholdOverride.unwrap(),
    stepUp: z.boolean(),
    liveness: settingsSchema.shape.liveness,
    /**
     * The door's own live point (a liveness score in [0, 1]), set from the scores of its own accepted
     * attempts (doorLivenessCalibration): a camera shifts everyone's scores. Below it a matching face is
     * asked for the PIN.
     */
    livenessLivePoint: z.number().gt(0, 'a live point above 0').lt(1, 'a live point below 1'),
    /** At least this many frames must pass the quality gates (1-5); fewer is refused as `too_few_frames`. */
    minFrames: z.number().int().min(1, 'at least 1 frame').max(5, 'at most 5 frames'),
    /** Every face decision, even a clear match, must be completed with the person's PIN. */
    requirePin: z.boolean(),
    /** This door's confident acceptances may add their frame to the person's template, when the site allows it too. */
    adaptiveTemplates: z.boolean(),
  })
  .partial()
  .strict();
export type DoorSettings = z.infer<typeof doorSettingsSchema>;

/**
 * A door's stored settings (validated when written). A stored value that no longer validates throws:
 * the attempt fails and the door stays shut, rather than running without, say, its second factor.
 */
export function parseDoorSettings(json: string): DoorSettings {
  return doorSettingsSchema.parse(JSON.parse(json));
}

/**
 * The settings in force at a door: its own values over the global ones. A door's false-accept target
 * means its calibrated threshold, unless the door also fixes a threshold.
 */
export function settingsAtDoor(
  global: Settings,
  door: DoorSettings,
): Settings & { minFrames: number; requirePin: boolean; livenessLivePoint?: number } {
  const thresholdOverride = door.thresholdOverride ?? (door.falseAcceptRate !== undefined ? null : global.thresholdOverride);
  const merged = withThreshold({
    falseAcceptRate: door.falseAcceptRate ?? global.falseAcceptRate,
    thresholdOverride,
    stepUp: door.stepUp ?? global.stepUp,
    rule: global.rule,
    rateLimitPerMinute: global.rateLimitPerMinute,
    requireSecondFactor: global.requireSecondFactor,
    liveness: door.liveness ?? global.liveness,
    auditImageRetentionDays: global.auditImageRetentionDays,
    // Off unless both the site and the door turn it on.
    adaptiveTemplates: global.adaptiveTemplates && door.adaptiveTemplates === true,
  });
  return {
    ...merged,
    minFrames: door.minFrames ?? 1,
    requirePin: door.requirePin ?? false,
    ...(door.livenessLivePoint !== undefined ? { livenessLivePoint: door.livenessLivePoint } : {}),
  };
}
