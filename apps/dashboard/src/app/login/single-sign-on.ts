'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { explain, forwardedFor, gql } from '@/lib/api';
import { secureCookie, SSO_STATE_COOKIE } from '@/lib/single-sign-on';

/**
 * "Sign in with <provider>": the API starts the sign-in (its nonce and PKCE verifier stay there); this
 * browser keeps the state in an httpOnly cookie, so only it can complete the sign-in (login/callback).
 */
export async function startSingleSignOn(): Promise<{ error?: string }> {
  let start: { authorizationUrl: string; state: string };
  try {
    const { beginSingleSignOn: r } = await gql<{ beginSingleSignOn: { data?: typeof start; message?: string } }>(
      'mutation { beginSingleSignOn { __typename ... on MutationBeginSingleSignOnSuccess { data { authorizationUrl state } } ... on Error { code message } } }',
      {},
      '',
      forwardedFor(await headers()),
    );
    if (!r.data) return { error: r.message ?? 'Single sign-on failed.' };
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
