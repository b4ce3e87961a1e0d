// Single sign-on through an OpenID Connect provider (services/single-sign-on.ts): the dashboard asks
// where to send the browser, keeps the state, and hands the provider's answer back for a session.
import { builder } from '../builder.ts';
import { RateLimitedError, SingleSignOnFailedError } from '../errors.ts';
import { Session } from './admin.ts';
import { COMMON_ERRORS } from './errors.ts';

const SignInOptions = builder.objectRef<{ localAccounts: boolean; singleSignOn: string | null }>('SignInOptions').implement({
  description: 'How administrators sign in on this site.',
  fields: (t) => ({
    localAccounts: t.exposeBoolean('localAccounts', { description: 'Email and password (off: LOCAL_ACCOUNTS_DISABLED).' }),
    singleSignOn: t.exposeString('singleSignOn', {
      nullable: true,
      description: 'The single sign-on provider\'s name, for "Sign in with <name>"; null when there is none.',
    }),
  }),
});

const SingleSignOnStart = builder.objectRef<{ url: string; state: string }>('SingleSignOnStart').implement({
  fields: (t) => ({
    authorizationUrl: t.exposeString('url', { description: "The provider's sign-in page to send the browser to." }),
    state: t.exposeString('state', {
      description:
        'Kept by the browser (an httpOnly cookie) and sent back with completeSingleSignOn: it ties the answer to this browser. Valid 10 minutes, once.',
    }),
  }),
});

builder.queryFields((t) => ({
  signInOptions: t.field({
    type: SignInOptions,
    description: 'How to sign in here (asked before signing in).',
    resolve: (_, __, ctx) => ({ localAccounts: ctx.services.signIn.localAccounts, singleSignOn: ctx.services.signIn.singleSignOnName }),
  }),
}));

builder.mutationFields((t) => ({
  beginSingleSignOn: t.field({
    type: SingleSignOnStart,
    description:
      'Starts a single sign-on: where to send the browser, and the state to keep (its nonce and PKCE verifier stay on the server).',
    errors: { types: [SingleSignOnFailedError, RateLimitedError, ...COMMON_ERRORS] },
    resolve: (_, __, ctx) => ctx.services.signIn.beginSingleSignOn(ctx.clientAddress),
  }),
  completeSingleSignOn: t.field({
    type: Session,
    description:
      "Completes a single sign-on with the provider's answer (the callback URL, or its query) and the state the browser kept: state, nonce and PKCE are checked, the role is mapped from the provider's claim, and the account is linked by issuer and subject. Logged in the security log like a password sign-in.",
    errors: { types: [SingleSignOnFailedError, ...COMMON_ERRORS] },
    args: { callbackUrl: t.arg.string({ required: true }), state: t.arg.string({ required: true }) },
    resolve: (_, { callbackUrl, state }, ctx) => ctx.services.signIn.completeSingleSignOn(callbackUrl, state, ctx.clientAddress),
  }),
}));
