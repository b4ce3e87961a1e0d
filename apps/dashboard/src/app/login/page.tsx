import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { graphql } from '@/generated';
import { request } from '@/lib/api';
import { currentUser } from '@/lib/session';
import { SSO_REFUSALS, type SsoRefusal } from '@/lib/single-sign-on';
import { LoginForm } from './login-form';
import { SingleSignOnButton } from './single-sign-on-button';

const SignInOptionsDocument = graphql(`
  query SignInOptions {
    signInOptions {
      localAccounts
      singleSignOn
    }
  }
`);

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ expired?: string; sso?: string }> }) {
  const { expired, sso } = await searchParams;
  if (!expired && (await currentUser().catch(() => null))) redirect('/overview');
  // Single sign-on's button, and the password form unless local accounts are off (the API's settings).
  const options = await request(SignInOptionsDocument, {}, { token: '' })
    .then((r) => r.signInOptions)
    .catch(() => ({ localAccounts: true, singleSignOn: null }));
  const refusal = sso && sso in SSO_REFUSALS ? SSO_REFUSALS[sso as SsoRefusal] : undefined;
  return (
    <main className="login">
      {options.localAccounts && <LoginForm notice={expired ? 'Your session has ended. Sign in again.' : undefined} />}
      {options.singleSignOn && (
        <SingleSignOnButton
          name={options.singleSignOn}
          refusal={refusal ?? (!options.localAccounts && expired ? 'Your session has ended. Sign in again.' : undefined)}
        />
      )}
    </main>
  );
}
