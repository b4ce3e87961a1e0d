// Administrators' passkeys (WebAuthn): registering one from a session, listing and removing one's own,
// and the passkey as the second step of a sign-in. Failed answers are throttled and logged like wrong
// codes (services/sign-in/passkeys.ts).
import { builder } from '../builder.ts';
import type { PasskeyModel } from '../db/prisma.ts';
import { InvalidInputError, LoginFailedError, NotFoundError, RateLimitedError } from '../errors.ts';
import { Session } from './admin.ts';
import { COMMON_ERRORS } from './errors.ts';
import { confirmedSession, sessionOf, SIGN_IN_ERRORS } from './second-factor.ts';

const PasskeyRef = builder.objectRef<PasskeyModel>('Passkey').implement({
  description: "One of the signed-in administrator's passkeys (its key stays on the authenticator; the server keeps the public key).",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    transports: t.stringList({
      description: 'How the browser reaches the authenticator (internal, usb, nfc, ble, hybrid).',
      resolve: (p) => p.transports.split(',').filter(Boolean),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
  }),
});

const PasskeyOptions = builder.objectRef<string>('PasskeyOptions').implement({
  description: "What the browser's WebAuthn call is given; valid 5 minutes, answered once.",
  fields: (t) => ({
    optionsJson: t.string({
      description:
        'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON (for @simplewebauthn/browser, or PublicKeyCredential.parse*OptionsFromJSON).',
      resolve: (json) => json,
    }),
  }),
});

builder.queryFields((t) => ({
  myPasskeys: t.field({
    type: [PasskeyRef],
    description:
      "The signed-in administrator's own passkeys (nobody sees another's; admins.passkeyCount tells how many an administrator has).",
    authScopes: { signedIn: true },
    resolve: (_, __, ctx) => ctx.services.signIn.passkeys(sessionOf(ctx).id),
  }),
}));

builder.mutationFields((t) => ({
  startPasskeyRegistration: t.field({
    type: PasskeyOptions,
    description:
      'Starts registering a passkey for the caller, confirmed with the current password (a stolen session alone cannot add one): answer with finishPasskeyRegistration.',
    authScopes: { signedIn: true },
    errors: { types: SIGN_IN_ERRORS },
    args: { currentPassword: t.arg.string({ required: true }) },
    resolve: async (_, { currentPassword }, ctx) => {
      const { id } = await confirmedSession(ctx, currentPassword);
      return ctx.services.signIn.startPasskeyRegistration(id);
    },
  }),
  finishPasskeyRegistration: t.field({
    type: PasskeyRef,
    description:
      "Stores the passkey the browser created (`response`: the credential's JSON) under a name. It must answer the caller's latest registration challenge, from the dashboard's origin; a refused answer counts towards the sign-in lockout and is in the security log.",
    authScopes: { signedIn: true },
    errors: { types: [LoginFailedError, RateLimitedError, InvalidInputError, ...COMMON_ERRORS] },
    args: { name: t.arg.string({ required: true }), response: t.arg.string({ required: true }) },
    resolve: (_, { name, response }, ctx) => {
      const { id, sessionId } = sessionOf(ctx);
      return ctx.services.signIn.finishPasskeyRegistration({ adminId: id, sessionId }, name, response, ctx.clientAddress);
    },
  }),
  removePasskey: t.boolean({
    description:
      "Deletes one of the caller's passkeys, confirmed with the current password; refused when it is their last second factor and the site requires one.",
    authScopes: { signedIn: true },
    errors: { types: [LoginFailedError, RateLimitedError, NotFoundError, InvalidInputError, ...COMMON_ERRORS] },
    args: { id: t.arg.id({ required: true }), currentPassword: t.arg.string({ required: true }) },
    resolve: async (_, { id, currentPassword }, ctx) => {
      const self = await confirmedSession(ctx, currentPassword);
      return ctx.services.signIn.removePasskey(self.id, String(id), ctx.clientAddress);
    },
  }),
  startPasskeySignIn: t.field({
    type: PasskeyOptions,
    description:
      'The second step of a sign-in with a passkey: options for the browser, for the challenge login answered with (SecondFactorRequiredError.passkeyAvailable). Answer with loginPasskey.',
    errors: { types: [LoginFailedError, InvalidInputError, ...COMMON_ERRORS] },
    args: { challenge: t.arg.string({ required: true }) },
    resolve: (_, { challenge }, ctx) => ctx.services.signIn.startPasskeySignIn(challenge, ctx.clientAddress),
  }),
  loginPasskey: t.field({
    type: Session,
    description:
      "Completes a sign-in with the passkey's answer (`response`: the credential's JSON) to startPasskeySignIn's options. Only the account's own passkeys are accepted, a signature counter that did not move on is refused (a cloned key); refused answers count towards the sign-in lockout and are in the security log.",
    errors: { types: SIGN_IN_ERRORS },
    args: { challenge: t.arg.string({ required: true }), response: t.arg.string({ required: true }) },
    resolve: (_, { challenge, response }, ctx) => ctx.services.signIn.loginPasskey(challenge, response, ctx.clientAddress),
  }),
}));
