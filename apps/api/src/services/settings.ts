import { DEFAULT_GALLERY_RULE, DEFAULT_THRESHOLD, type GalleryRule } from '@facegate/face-core';
import { z } from 'zod';
import type { Prisma } from './prisma.ts';

export const settingsSchema = z.object({
  /** L2 distance under which a face matches; calibrated for the encoder on LFW View 1 DevTrain. */
  threshold: z.number().min(0.05).max(2),
  /** How a person's several samples are compared with a probe. */
  rule: z.enum(['nearest', 'centroid', 'mean-distance']),
  /** Recognition attempts per minute per API key or administrator, and per door. */
  rateLimitPerMinute: z.number().int().min(1).max(100_000),
});
export type Settings = z.infer<typeof settingsSchema> & { rule: GalleryRule };

export const DEFAULT_SETTINGS: Settings = { threshold: DEFAULT_THRESHOLD, rule: DEFAULT_GALLERY_RULE, rateLimitPerMinute: 600 };

/** Settings live in the Setting table (one JSON value per key) and are cached here for the hot path. */
export function createSettingsService(prisma: Prisma) {
  let cache: Settings = { ...DEFAULT_SETTINGS };
  const service = {
    current: (): Settings => cache,
    async reload(): Promise<Settings> {
      const rows = await prisma.setting.findMany();
      const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
      cache = settingsSchema.parse({ ...DEFAULT_SETTINGS, ...stored }) as Settings;
      return cache;
    },
    async update(patch: Partial<Settings>): Promise<Settings> {
      const next = settingsSchema.parse({ ...cache, ...patch }) as Settings;
      await prisma.$transaction(
        Object.entries(patch).map(([key, value]) =>
          prisma.setting.upsert({ where: { key }, create: { key, value: JSON.stringify(value) }, update: { value: JSON.stringify(value) } }),
        ),
      );
      cache = next;
      return cache;
    },
  };
  return service;
}

export type SettingsService = ReturnType<typeof createSettingsService>;
