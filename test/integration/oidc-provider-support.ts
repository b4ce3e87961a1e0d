// A real OpenID Connect provider for the single sign-on tests: oidc-provider in this process on a
// loopback port, one confidential client, refresh tokens, and its development login form (any password).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const TEST_CLIENT = { client_id: 'facegate', client_secret: 'a client secret of the test provider' };

export interface ProviderAccount {
  email: string;
  groups: string[];
}

/** The provider; `accounts` are its users, changed by the tests (removed, moved to another group) as its administrator would. */
export async function startTestProvider(redirectUri: string) {
  const accounts = new Map<string, ProviderAccount>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      { ...TEST_CLIENT, redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'groups'],
    cookies: { keys: ['a cookie key of the test provider'] },
    features: { devInteractions: { enabled: true } },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: true, groups: account.groups }) };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    accounts,
    /** facegate's settings for this provider: administrators' and viewers' groups, asked again at every request. */
    env: (): Record<string, string> => ({
      FACEGATE_OIDC_ISSUER: issuer,
      FACEGATE_OIDC_CLIENT_ID: TEST_CLIENT.client_id,
      FACEGATE_OIDC_CLIENT_SECRET: TEST_CLIENT.client_secret,
      FACEGATE_OIDC_REDIRECT_URI: redirectUri,
      FACEGATE_OIDC_NAME: 'Test provider',
      FACEGATE_OIDC_SCOPES: 'openid email groups offline_access',
      FACEGATE_OIDC_ROLE_CLAIM: 'groups',
      FACEGATE_OIDC_ADMIN_VALUES: 'facegate-admins',
      FACEGATE_OIDC_VIEWER_VALUES: 'facegate-viewers',
      // Every request after a sign-in asks the provider again: "the next refresh" is the next request.
      FACEGATE_OIDC_RECHECK_SECONDS: '0',
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
