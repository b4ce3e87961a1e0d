import type { AuditService } from './audit.ts';
import type { SettingsService } from './settings/settings.ts';

/** Retention: face images in audit events older than the setting's days are erased at start and every hour after. */
export async function startImageRetention(deps: { settings: SettingsService; audit: AuditService }, everyMs = 3_600_000) {
  const purgeImages = async () => {
    const days = deps.settings.current().auditImageRetentionDays;
    return days === null ? 0 : deps.audit.purgeImages(days);
  };
  await purgeImages();
  const timer = setInterval(() => void purgeImages().catch(() => {}), everyMs);
  timer.unref();
  return {
    /** Applies the retention now (it also runs hourly); the number of images erased. */
    purgeImages,
    close: () => clearInterval(timer),
  };
}
