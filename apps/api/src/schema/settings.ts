import { builder } from '../builder.ts';
import type { Settings } from '../services/settings.ts';
import { COMMON_ERRORS } from './errors.ts';

const GalleryRule = builder.enumType('GalleryRule', {
  values: { NEAREST: { value: 'nearest' }, CENTROID: { value: 'centroid' }, MEAN_DISTANCE: { value: 'mean-distance' } } as const,
});

const SettingsRef = builder.objectRef<Settings>('Settings').implement({
  fields: (t) => ({
    threshold: t.exposeFloat('threshold', { description: 'L2 distance under which a face matches.' }),
    rule: t.field({ type: GalleryRule, resolve: (s) => s.rule }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute'),
  }),
});

const SettingsInput = builder.inputType('SettingsInput', {
  fields: (t) => ({
    threshold: t.float(),
    rule: t.field({ type: GalleryRule }),
    rateLimitPerMinute: t.int(),
  }),
});

builder.queryFields((t) => ({
  settings: t.field({ type: SettingsRef, authScopes: { signedIn: true }, resolve: (_, __, ctx) => ctx.services.settings.current() }),
}));

builder.mutationFields((t) => ({
  updateSettings: t.field({
    type: SettingsRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { input: t.arg({ type: SettingsInput, required: true }) },
    resolve: (_, { input }, ctx) =>
      ctx.services.updateSettings(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined))),
  }),
}));
