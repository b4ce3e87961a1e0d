import { ConfirmationRequiredError } from '../../errors.ts';
import type { AccessPolicy, DoorPatch } from '../../policy/access-policy.ts';
import { doorSettingsSchema, settingsAtDoor } from '../../policy/door-settings.ts';
import { thresholdWarnings } from './preview.ts';
import { replayAttempts, thresholdsOf, type SettingsChangeDeps, type Thresholds } from './replay.ts';
import type { SettingsPatch, SettingsService } from './settings.ts';

/**
 * Settings and door changes under the threshold-confirmation rule: a large move of a verification
 * threshold (previewSettings' warnings: strangers accepted 10x as often, or a move over 0.05) is
 * refused with CONFIRMATION_REQUIRED unless confirmed: the dashboard asks first, and an integration
 * must say it read them too.
 */
export function createConfirmedChanges(
  deps: SettingsChangeDeps & {
    settings: SettingsService;
    policy: AccessPolicy;
    /** Tells the other instances the settings changed. */
    settingsChanged: () => void;
    /** The audit image retention, applied at once when it is set. */
    purgeImages: () => Promise<number>;
    /** Events out learn a door's new name. */
    doorChanged: (door: Awaited<ReturnType<AccessPolicy['configureDoor']>>) => Promise<unknown>;
  },
) {
  const { prisma, settings, policy } = deps;

  /**
   * The warnings of a move of the verification threshold from `from` to `to.verify` (none for a small
   * one), with the last 500 compared attempts (at `doorId`, or everywhere) replayed.
   */
  async function moveWarnings(from: number, to: Thresholds, doorId?: string): Promise<string[]> {
    const { events, toAccepted, toRefused } = await replayAttempts(prisma, to, 500, doorId);
    return thresholdWarnings({ from, to: to.verify, attempts: events.length, toAccepted, toRefused });
  }

  /**
   * The warnings of a door's new settings (they replace its old ones), for the threshold in force
   * there. None for settings that do not validate (configureDoor refuses them) or an unknown door.
   */
  async function doorSettingsWarnings(doorId: string, next: unknown): Promise<string[]> {
    const parsed = doorSettingsSchema.safeParse(next);
    const door = await policy.door(doorId);
    if (!parsed.success || !door) return [];
    const global = settings.current();
    return moveWarnings(
      settingsAtDoor(global, door.settings).threshold,
      thresholdsOf(settingsAtDoor(global, parsed.data), deps.gallerySize()),
      doorId,
    );
  }

  const refuseUnconfirmed = (warnings: string[]) => {
    if (warnings.length > 0) throw new ConfirmationRequiredError(warnings);
  };

  return {
    /** Saves a settings patch; a large move of the verification threshold must be confirmed. */
    async updateSettings(patch: SettingsPatch, adminId: string | null = null, options: { confirmLargeChange?: boolean } = {}) {
      if (!options.confirmLargeChange && ('threshold' in patch || 'falseAcceptRate' in patch)) {
        refuseUnconfirmed(await moveWarnings(settings.current().threshold, thresholdsOf(settings.preview(patch), deps.gallerySize())));
      }
      const next = await settings.update(patch, adminId);
      deps.settingsChanged();
      if (patch.auditImageRetentionDays) await deps.purgeImages();
      return next;
    },
    /**
     * Changes a door (access-policy.ts configureDoor). New settings that move the door's verification
     * threshold far must be confirmed, as for the global settings.
     */
    async configureDoor(id: string, patch: DoorPatch, options: { confirmLargeChange?: boolean } = {}) {
      if (!options.confirmLargeChange && patch.settings !== undefined) refuseUnconfirmed(await doorSettingsWarnings(id, patch.settings));
      const door = await policy.configureDoor(id, patch);
      if (patch.name !== undefined) await deps.doorChanged(door);
      return door;
    },
  };
}
