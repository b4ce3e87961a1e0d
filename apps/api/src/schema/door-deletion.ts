// Deleting a door: its own file because it answers with the door's keys, revoked with it (door.ts and
// api-key.ts each reference the other's type otherwise, an import cycle).
import { builder } from '../builder.ts';
import type { ApiKeyModel } from '../db/prisma.ts';
import { ApiKeyRef } from './api-key.ts';
import { COMMON_ERRORS } from './errors.ts';

const DoorDeletionRef = builder.objectRef<{ id: string; revokedKeys: ApiKeyModel[] }>('DoorDeletion').implement({
  description: 'A deleted door and the keys bound to it, revoked with it: a door key never outlives its door as a key for every door.',
  fields: (t) => ({
    id: t.exposeID('id'),
    revokedKeys: t.field({ type: [ApiKeyRef], resolve: (d) => d.revokedKeys }),
  }),
});

builder.mutationFields((t) => ({
  deleteDoor: t.field({
    type: DoorDeletionRef,
    description: 'Deletes a door; the keys bound to it are revoked with it (in the same transaction) and listed.',
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.access.doors.remove(String(id)),
  }),
}));
