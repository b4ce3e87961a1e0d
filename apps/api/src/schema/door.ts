import { builder } from '../builder.ts';
import type { DoorModel } from '../services/prisma.ts';
import { COMMON_ERRORS } from './errors.ts';

export const DoorRef = builder.objectRef<DoorModel>('Door').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    location: t.exposeString('location', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  doors: t.field({ type: [DoorRef], authScopes: { signedIn: true }, resolve: (_, __, ctx) => ctx.services.access.doors.list() }),
}));

builder.mutationFields((t) => ({
  createDoor: t.field({
    type: DoorRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { name: t.arg.string({ required: true }), location: t.arg.string() },
    resolve: (_, { name, location }, ctx) => ctx.services.access.doors.create(name, location),
  }),
  deleteDoor: t.id({
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.access.doors.remove(String(id)),
  }),
}));
