import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { graphql } from '@/generated';
import type { CompleteSingleSignOnMutation } from '@/generated/graphql';
import { forwardedFor, isError, request as requestApi, SESSION_COOKIE } from '@/lib/api';
import { secureCookie, SSO_STATE_COOKIE, ssoRefusal } from '@/lib/single-sign-on';

const CompleteSingleSignOnDocument = graphql(`
  mutation CompleteSingleSignOn($url: String!, $state: String!) {
    completeSingleSignOn(callbackUrl: $url, state: $state) {
      __typename
      ... on MutationCompleteSingleSignOnSuccess {
        data {
          token
        }
      }
      ...MutationError
    }
  }
`);

/**
 * The provider sends the browser back here (FACEGATE_OIDC_REDIRECT_URI): the API checks its answer
 * against the state this browser kept, and gives a session as a password sign-in does.
 */
export async function GET(request: NextRequest) {
  const jar = await cookies();
  const state = jar.get(SSO_STATE_COOKIE)?.value;
  jar.delete({ name: SSO_STATE_COOKIE, path: '/login' });
  if (!state) redirect('/login?sso=expired');
  let result: CompleteSingleSignOnMutation['completeSingleSignOn'];
  try {
    ({ completeSingleSignOn: result } = await requestApi(
      CompleteSingleSignOnDocument,
      { url: `/login/callback${request.nextUrl.search}`, state },
      { token: '', headers: forwardedFor(request.headers) },
    ));
  } catch {
    redirect('/login?sso=unavailable');
  }
  if (isError(result)) redirect(`/login?sso=${ssoRefusal(result.message)}`);
  jar.set(SESSION_COOKIE, result.data.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookie(request.headers),
    path: '/',
    maxAge: 12 * 60 * 60,
  });
  redirect('/overview');
}
