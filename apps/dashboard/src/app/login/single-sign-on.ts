'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { graphql } from '@/generated';
import { explain, isError, signInRequest } from '@/lib/api';
import { secureCookie, SSO_STATE_COOKIE } from '@/lib/single-sign-on';

const BeginSingleSignOnDocument = graphql(`
  mutation BeginSingleSignOn {
    beginSingleSignOn {
      __typename
      ... on MutationBeginSingleSignOnSuccess {
        data {
          authorizationUrl
          state
        }
      }
      ...MutationError
    }
  }
`);

/**
 * "Sign in with <provider>": the API starts the sign-in (its nonce and PKCE verifier stay there); this
 * browser keeps the state in an httpOnly cookie, so only it can complete the sign-in (login/callback).
 */
export async function startSingleSignOn(): Promise<{ error?: string }> {
  let start: { authorizationUrl: string; state: string };
  try {
    const { beginSingleSignOn: r } = await signInRequest(BeginSingleSignOnDocument, {});
    if (isError(r)) return { error: r.message };
    start = r.data;
  } catch (error) {
    return { error: explain(error) };
  }
  // Lax: the provider sends the browser back with a top-level GET from its own site.
  (await cookies()).set(SSO_STATE_COOKIE, start.state, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookie(await headers()),
    path: '/login',
    maxAge: 10 * 60,
  });
  redirect(start.authorizationUrl);
}
