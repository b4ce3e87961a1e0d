import { builder } from '../builder.ts';
import type { AdminModel } from '../services/prisma.ts';
import { LoginFailedError } from '../errors.ts';
import { COMMON_ERRORS } from './errors.ts';

const Role = builder.enumType('AdminRole', { values: { ADMIN: { value: 'admin' }, VIEWER: { value: 'viewer' } } as const });

const AdminRef = builder.objectRef<AdminModel>('Admin').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.field({ type: Role, resolve: (a) => a.role as 'admin' | 'viewer' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

type Me = { kind: 'admin' | 'apiKey'; id: string; name: string; role: 'admin' | 'viewer' | null; scopes: string[] };
const MeRef = builder.objectRef<Me>('Viewer').implement({
  description: 'Who is calling.',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'admin or apiKey' }),
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'Email of an administrator, name of a key.' }),
    role: t.field({ type: Role, nullable: true, resolve: (m) => m.role }),
    scopes: t.exposeStringList('scopes', { description: 'What this caller may do.' }),
  }),
});

const Session = builder.objectRef<{ token: string; admin: AdminModel }>('Session').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`; valid 12 hours.' }),
    admin: t.field({ type: AdminRef, resolve: (s) => s.admin }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: MeRef,
    nullable: true,
    description: 'The caller, or null when anonymous.',
    resolve: (_, __, ctx): Me | null => {
      const v = ctx.viewer;
      if (v.kind === 'anonymous' || v.kind === 'system') return null;
      if (v.kind === 'admin') return { kind: 'admin', id: v.id, name: v.email, role: v.role, scopes: v.role === 'admin' ? ['verify', 'identify', 'people:read', 'audit:read', 'admin'] : ['people:read', 'audit:read'] };
      return { kind: 'apiKey', id: v.id, name: v.name, role: null, scopes: [...v.scopes] };
    },
  }),
  admins: t.field({ type: [AdminRef], authScopes: { scope: 'admin' }, resolve: (_, __, ctx) => ctx.services.access.admins.list() }),
}));

builder.mutationFields((t) => ({
  login: t.field({
    type: Session,
    errors: { types: [LoginFailedError, ...COMMON_ERRORS] },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_, { email, password }, ctx) => ctx.services.access.admins.login(email, password),
  }),
  createAdmin: t.field({
    type: AdminRef,
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }), role: t.arg({ type: Role, required: true }) },
    resolve: (_, args, ctx) => ctx.services.access.admins.create(args.email, args.password, args.role),
  }),
  removeAdmin: t.id({
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.access.admins.remove(String(id)),
  }),
}));
