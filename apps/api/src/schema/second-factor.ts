// Administrators' second factor (TOTP with recovery codes): the second step of a sign-in, enrolment and
// turning it off. Wrong codes are throttled and logged like wrong passwords (services/sign-in/totp.ts).
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { AdminModel } from '../db/prisma.ts';
import { LoginFailedError, RateLimitedError, UnauthorizedError } from '../errors.ts';
import { reauthenticate, Session } from './admin.ts';
import { COMMON_ERRORS } from './errors.ts';

const TotpEnrolment = builder.objectRef<{ secret: string; uri: string }>('TotpEnrolment').implement({
  description: 'A TOTP secret waiting for its first code (confirmTotpEnrolment): shown once, for the authenticator app.',
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The secret in base32, to type into the app.' }),
    uri: t.exposeString('uri', { description: 'The otpauth:// URI (what a QR code holds).' }),
  }),
});

const TotpEnrolled = builder
  .objectRef<{ recoveryCodes: string[]; session: { token: string; admin: AdminModel } | null }>('TotpEnrolled')
  .implement({
    fields: (t) => ({
      recoveryCodes: t.exposeStringList('recoveryCodes', {
        description: 'Ten one-time codes for when the app is lost: shown this once, stored hashed.',
      }),
      session: t.field({
        type: Session,
        nullable: true,
        description: 'The session, when the enrolment completed a sign-in (challenge).',
        resolve: (e) => e.session,
      }),
    }),
  });

const SecondFactorStatus = builder
  .objectRef<{ totpEnabled: boolean; recoveryCodesLeft: number; passkeys: number; required: boolean }>('SecondFactorStatus')
  .implement({
    fields: (t) => ({
      totpEnabled: t.exposeBoolean('totpEnabled'),
      recoveryCodesLeft: t.exposeInt('recoveryCodesLeft'),
      passkeys: t.exposeInt('passkeys', { description: 'How many passkeys the administrator has (myPasskeys lists them).' }),
      required: t.exposeBoolean('required', { description: 'The site requires a second factor of every administrator.' }),
    }),
  });

/** The signed-in administrator, or an error: a key or a viewer kind without a session has no second factor. */
export function sessionOf(ctx: Context): { id: string; sessionId: string } {
  if (ctx.viewer.kind !== 'admin') throw new UnauthorizedError("only an administrator's session (or a sign-in's challenge) may do this");
  return { id: ctx.viewer.id, sessionId: ctx.viewer.sessionId };
}

/** The caller's own session, once they have confirmed with their current password (a stolen session alone is not enough). */
export async function confirmedSession(
  ctx: Context,
  currentPassword: string | null | undefined,
): Promise<{ id: string; sessionId: string }> {
  const session = sessionOf(ctx);
  await reauthenticate(ctx, currentPassword);
  return session;
}

/** What a step checked like a sign-in may answer: a wrong password or code, throttled. */
export const SIGN_IN_ERRORS = [LoginFailedError, RateLimitedError, ...COMMON_ERRORS];

builder.queryFields((t) => ({
  mySecondFactor: t.field({
    type: SecondFactorStatus,
    description: "The signed-in administrator's second factor.",
    authScopes: { signedIn: true },
    resolve: async (_, __, ctx) => ({
      ...(await ctx.services.signIn.secondFactorStatus(sessionOf(ctx).id)),
      required: ctx.services.settings.current().requireSecondFactor,
    }),
  }),
}));

builder.mutationFields((t) => ({
  loginSecondFactor: t.field({
    type: Session,
    description:
      'The second step of a sign-in: the challenge login answered with, and a 6-digit TOTP code or a recovery code. A code is accepted once (a replayed one is refused); wrong codes count towards the sign-in lockout and are in the security log.',
    errors: { types: SIGN_IN_ERRORS },
    args: { challenge: t.arg.string({ required: true }), code: t.arg.string({ required: true }) },
    resolve: (_, { challenge, code }, ctx) => ctx.services.signIn.loginSecondFactor(challenge, code, ctx.clientAddress),
  }),
  startTotpEnrolment: t.field({
    type: TotpEnrolment,
    description:
      'Starts enrolling an authenticator app: from a session with `currentPassword`, or with the `challenge` of a sign-in that requires enrolment. The secret is in force only once confirmTotpEnrolment gets a valid code (an existing one stays until then).',
    errors: { types: SIGN_IN_ERRORS },
    args: { currentPassword: t.arg.string(), challenge: t.arg.string() },
    resolve: async (_, { currentPassword, challenge }, ctx) => {
      if (challenge) return ctx.services.signIn.startTotpEnrolment({ challenge }, ctx.clientAddress);
      const { id } = await confirmedSession(ctx, currentPassword);
      return ctx.services.signIn.startTotpEnrolment({ adminId: id }, ctx.clientAddress);
    },
  }),
  confirmTotpEnrolment: t.field({
    type: TotpEnrolled,
    description:
      'Confirms the enrolment with a code from the app: TOTP is on, and ten one-time recovery codes are returned, once. With a challenge, the sign-in completes too (session).',
    errors: { types: SIGN_IN_ERRORS },
    args: { code: t.arg.string({ required: true }), challenge: t.arg.string() },
    resolve: (_, { code, challenge }, ctx) => {
      if (challenge) return ctx.services.signIn.confirmTotpEnrolment({ challenge }, code, ctx.clientAddress);
      const { id, sessionId } = sessionOf(ctx);
      return ctx.services.signIn.confirmTotpEnrolment({ adminId: id, sessionId }, code, ctx.clientAddress);
    },
  }),
  disableTotp: t.boolean({
    description:
      "Turns the caller's TOTP off and deletes their recovery codes, confirmed with the current password; refused while the site requires a second factor and the caller has no passkey.",
    authScopes: { signedIn: true },
    errors: { types: SIGN_IN_ERRORS },
    args: { currentPassword: t.arg.string({ required: true }) },
    resolve: async (_, { currentPassword }, ctx) => {
      const { id } = await confirmedSession(ctx, currentPassword);
      return ctx.services.signIn.disableTotp(id, ctx.clientAddress);
    },
  }),
}));
