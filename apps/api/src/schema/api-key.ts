import { SCOPES } from '../auth/api-keys.ts';
import { builder } from '../builder.ts';
import { parseScopes } from '../db/codecs.ts';
import type { ApiKeyModel } from '../db/prisma.ts';
import { DoorRef } from './door.ts';
import { COMMON_ERRORS } from './errors.ts';

const Scope = builder.enumType('Scope', {
  description: 'verify and identify: recognition at a door; people:read and audit:read: read-only integrations; admin: everything.',
  values: Object.fromEntries(SCOPES.map((s) => [s.replace(':', '_').toUpperCase(), { value: s }])) as Record<
    string,
    { value: (typeof SCOPES)[number] }
  >,
});

export const ApiKeyRef = builder.objectRef<ApiKeyModel>('ApiKey').implement({
  description: 'A key for a door or an integration. Only its prefix is ever shown again after creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix'),
    scopes: t.field({ type: [Scope], resolve: (k) => parseScopes(k.scopes) as (typeof SCOPES)[number][] }),
    door: t.field({ type: DoorRef, nullable: true, resolve: (k, _, ctx) => (k.doorId ? ctx.services.access.doors.get(k.doorId) : null) }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedApiKey = builder.objectRef<{ key: ApiKeyModel; token: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (r) => r.key }),
    token: t.exposeString('token', { description: 'The secret, shown this once: send it as `Authorization: Bearer <token>`.' }),
  }),
});

builder.queryFields((t) => ({
  apiKeys: t.field({ type: [ApiKeyRef], authScopes: { scope: 'admin' }, resolve: (_, __, ctx) => ctx.services.access.apiKeys.list() }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { name: t.arg.string({ required: true }), scopes: t.arg({ type: [Scope], required: true }), doorId: t.arg.id() },
    resolve: (_, args, ctx) =>
      ctx.services.access.apiKeys.create({ name: args.name, scopes: args.scopes, doorId: args.doorId ? String(args.doorId) : null }),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.access.apiKeys.revoke(String(id)),
  }),
}));
