import { SCOPES } from '../auth/api-keys.ts';
import { can } from '../auth/viewer.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { AdminModel, SecurityEventModel as SecurityEvent } from '../db/prisma.ts';
import {
  LocalAccountsDisabledError,
  LoginFailedError,
  RateLimitedError,
  SecondFactorRequiredError,
  UnauthorizedError,
  WeakPasswordError,
} from '../errors.ts';

import { COMMON_ERRORS } from './errors.ts';

const Role = builder.enumType('AdminRole', { values: { ADMIN: { value: 'admin' }, VIEWER: { value: 'viewer' } } as const });

const AdminRef = builder.objectRef<AdminModel>('Admin').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.field({ type: Role, resolve: (a) => a.role as 'admin' | 'viewer' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    facesRead: t.boolean({
      description:
        'Sees face images (faces:read): always for an administrator; for a viewer, only when an administrator allowed it (setViewerFacesRead).',
      resolve: (a) => a.role === 'admin' || a.facesRead,
    }),
    totpEnabled: t.boolean({ description: 'Signs in with a TOTP code after the password.', resolve: (a) => a.totpEnabledAt !== null }),
    // Like totpEnabled: that another administrator has a second factor, never what it is (myPasskeys is one's own).
    passkeyCount: t.int({
      description: 'How many passkeys the administrator has.',
      resolve: (a, _, ctx) => ctx.services.signIn.passkeyCount(a.id),
    }),
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

export const Session = builder.objectRef<{ token: string; admin: AdminModel }>('Session').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`; valid 12 hours.' }),
    admin: t.field({ type: AdminRef, resolve: (s) => s.admin }),
  }),
});

const SecurityEventRef = builder.objectRef<SecurityEvent>('SecurityEvent').implement({
  description: 'One entry of the security log: a sign-in (failed, throttled or succeeded), a sign-out, a revocation, a password change.',
  fields: (t) => ({
    id: t.exposeID('id'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    kind: t.exposeString('kind', {
      description:
        'login_failed, login_throttled, login_succeeded, signed_out, sessions_revoked, password_changed, second_factor_required, second_factor_failed, second_factor_challenge_refused, recovery_code_used, second_factor_enrolled, second_factor_disabled, passkey_added, passkey_removed or single_sign_on_ended',
    }),
    account: t.exposeString('account', { nullable: true, description: 'The email given (for failed sign-ins, possibly no account).' }),
    address: t.exposeString('address', { nullable: true, description: "The client's network address." }),
    adminId: t.exposeID('adminId', { nullable: true }),
  }),
});

/**
 * Actions that could take the system over (a new administrator, ending another's sessions) need the
 * caller's current password again: a stolen session token or an admin-scoped key alone is not enough.
 * The facegate command on the server holds the database and needs none.
 */
export async function reauthenticate(ctx: Context, currentPassword: string | null | undefined): Promise<void> {
  if (ctx.viewer.kind === 'system') return;
  if (ctx.viewer.kind !== 'admin') throw new UnauthorizedError("only an administrator's session, with its password, may do this");
  if (!currentPassword) throw new LoginFailedError('confirm with your current password (currentPassword)');
  await ctx.services.signIn.confirmPassword(ctx.viewer.id, currentPassword, ctx.clientAddress);
}

builder.queryFields((t) => ({
  me: t.field({
    type: MeRef,
    nullable: true,
    description: 'The caller, or null when anonymous.',
    resolve: (_, __, ctx): Me | null => {
      const v = ctx.viewer;
      if (v.kind === 'anonymous' || v.kind === 'system') return null;
      if (v.kind === 'admin')
        return {
          kind: 'admin',
          id: v.id,
          name: v.email,
          role: v.role,
          scopes: SCOPES.filter((scope) => can(v, scope)),
        };
      return { kind: 'apiKey', id: v.id, name: v.name, role: null, scopes: [...v.scopes] };
    },
  }),
  admins: t.field({ type: [AdminRef], authScopes: { scope: 'admin' }, resolve: (_, __, ctx) => ctx.services.access.admins.list() }),
  securityEvents: t.field({
    type: [SecurityEventRef],
    authScopes: { scope: 'admin' },
    description: 'The security log, newest first: failed and throttled sign-ins with account and address, sign-outs, revocations.',
    args: {
      first: t.arg.int({ defaultValue: 50, description: 'At most 500.' }),
      kind: t.arg.string({ required: false }),
      account: t.arg.string({ required: false }),
    },
    resolve: (_, args, ctx) =>
      ctx.services.signIn.securityEvents({
        first: Math.min(500, Math.max(1, args.first ?? 50)),
        kind: args.kind ?? null,
        account: args.account ?? null,
      }),
  }),
}));

builder.mutationFields((t) => ({
  login: t.field({
    type: Session,
    description: `Signs in. Failed attempts are recorded in the security log; after too many failures for the account or from the address the answer is RATE_LIMITED (retryAfterSeconds) without checking the password. An account with a second factor (or without one, when the site requires it) gets SECOND_FACTOR_REQUIRED with a challenge: see loginSecondFactor and startTotpEnrolment. With FACEGATE_LOCAL_ACCOUNTS=off: LOCAL_ACCOUNTS_DISABLED (single sign-on only).`,
    errors: { types: [LoginFailedError, RateLimitedError, SecondFactorRequiredError, LocalAccountsDisabledError, ...COMMON_ERRORS] },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_, { email, password }, ctx) => ctx.services.access.admins.login(email, password, ctx.clientAddress),
  }),
  signOut: t.boolean({
    description: "Ends the caller's session: its token is refused from now on.",
    authScopes: { signedIn: true },
    errors: { types: COMMON_ERRORS },
    resolve: (_, __, ctx) => {
      if (ctx.viewer.kind !== 'admin') throw new UnauthorizedError('only an administrator session can be signed out');
      return ctx.services.signIn.signOut(ctx.viewer.sessionId, ctx.clientAddress);
    },
  }),
  revokeSessions: t.int({
    description:
      "Ends every session of an administrator (the caller's own included when it is theirs); returns how many. Another administrator's sessions: only from an administrator's session, with `currentPassword` (a stolen session alone cannot lock the others out).",
    authScopes: { scope: 'admin' },
    errors: { types: [LoginFailedError, RateLimitedError, ...COMMON_ERRORS] },
    args: {
      adminId: t.arg.id({ required: true }),
      currentPassword: t.arg.string({ description: "The caller's password; required for another administrator's sessions." }),
    },
    resolve: async (_, { adminId, currentPassword }, ctx) => {
      const own = ctx.viewer.kind === 'admin' && ctx.viewer.id === String(adminId);
      if (!own) await reauthenticate(ctx, currentPassword);
      return ctx.services.signIn.revokeSessions(String(adminId), ctx.clientAddress);
    },
  }),
  changePassword: t.boolean({
    description: "Changes the signed-in administrator's password (checked for strength); their other sessions end.",
    authScopes: { signedIn: true },
    errors: { types: [LoginFailedError, WeakPasswordError, RateLimitedError, ...COMMON_ERRORS] },
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_, args, ctx) => {
      if (ctx.viewer.kind !== 'admin') throw new UnauthorizedError('only an administrator can change their password');
      return ctx.services.signIn.changePassword(
        ctx.viewer.id,
        ctx.viewer.sessionId,
        args.currentPassword,
        args.newPassword,
        ctx.clientAddress,
      );
    },
  }),
  createAdmin: t.field({
    type: AdminRef,
    description: "Creates an administrator or viewer: only from an administrator's session, confirmed with the caller's current password.",
    authScopes: { scope: 'admin' },
    errors: { types: [WeakPasswordError, LoginFailedError, RateLimitedError, ...COMMON_ERRORS] },
    args: {
      email: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
      role: t.arg({ type: Role, required: true }),
      currentPassword: t.arg.string({ required: true, description: "The caller's own password, asked again." }),
      facesRead: t.arg.boolean({ description: 'A viewer sees face images (default false: least privilege).' }),
    },
    resolve: async (_, args, ctx) => {
      await reauthenticate(ctx, args.currentPassword);
      return ctx.services.access.admins.create(args.email, args.password, args.role, args.role === 'viewer' && args.facesRead === true);
    },
  }),
  setViewerFacesRead: t.field({
    type: AdminRef,
    description:
      "Allows or stops a viewer's face images (faces:read: thumbnails, enrolment photos, faces seen at the doors), from their next request on. Administrators always see them (INVALID_INPUT). Logged with the value before and after.",
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }), facesRead: t.arg.boolean({ required: true }) },
    resolve: (_, args, ctx) => ctx.services.access.admins.setFacesRead(String(args.id), args.facesRead),
  }),
  removeAdmin: t.id({
    authScopes: { scope: 'admin' },
    errors: { types: COMMON_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => ctx.services.access.admins.remove(String(id)),
  }),
}));
