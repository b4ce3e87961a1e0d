// Single sign-on through an OpenID Connect provider (openid-client): the authorization code flow with
// state, nonce and PKCE kept server-side (used once), the role mapped from a claim, accounts linked by
// issuer and subject, and each session checked again with the provider (refresh grant) from time to time.
// Sessions and the security log stay in sign-in/, which calls this.
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SingleSignOnConfig } from '../config.ts';
import type { DataCipher } from '../db/sealed.ts';
import { RateLimitedError, SingleSignOnFailedError } from '../errors.ts';
import type { AdminModel, Prisma } from '../db/prisma.ts';

/** How long a started sign-in waits for the provider's answer. */
const REQUEST_SECONDS = 10 * 60;
/**
 * Starting a sign-in is anonymous and stores a row, so it is bounded: per client address (per instance),
 * and in all (sign-ins waiting for the provider at once; far above a site's administrators).
 */
export const STARTS_PER_ADDRESS_PER_MINUTE = 30;
export const MAX_WAITING_SIGN_INS = 1000;
/** amr values (RFC 8176) that mean more than a password was used. */
const SECOND_FACTOR_AMR = ['mfa', 'otp', 'hwk', 'sms'];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

type Role = 'admin' | 'viewer';
type Claims = Record<string, unknown>;

/** What the provider vouched for at a sign-in: the account (linked or created) and how the session starts. */
export interface ProviderSignIn {
  readonly admin: AdminModel;
  readonly refreshToken: Uint8Array<ArrayBuffer>;
  /** The provider reported a second factor (or is trusted to enforce one). */
  readonly secondFactor: boolean;
}

/** The result of asking the provider again about a session: its role now, or why it ends. */
export type Recheck = { readonly role: Role } | { readonly ended: string };

/** openid-client's error in words, with the check that failed (its cause: which parameter or claim). */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error && error.cause.message !== error.message
    ? `${error.message} (${error.cause.message})`
    : error.message;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The claim at a dotted path (realm_access.roles), as a list of strings. */
function claimValues(claims: Claims, path: string): string[] {
  let value: unknown = claims;
  for (const key of path.split('.')) value = value && typeof value === 'object' ? (value as Claims)[key] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function createSingleSignOn(prisma: Prisma, cipher: DataCipher, config: SingleSignOnConfig) {
  let discovered: Promise<oidc.Configuration> | null = null;
  const starts = new RateLimiterMemory({ points: STARTS_PER_ADDRESS_PER_MINUTE, duration: 60 });

  /** The provider's metadata, fetched once (again after a failure). Plain HTTP only for a provider on this host. */
  function provider(): Promise<oidc.Configuration> {
    const issuer = new URL(config.issuer);
    const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    discovered ??= oidc
      .discovery(
        issuer,
        config.clientId,
        config.clientSecret ?? undefined,
        config.clientSecret ? undefined : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        discovered = null;
        throw new SingleSignOnFailedError(`the sign-in provider cannot be reached (${reason(error)})`);
      });
    return discovered;
  }

  /** The role a user's claims map to: administrator wins over viewer; null when none is mapped. */
  function roleOf(claims: Claims): Role | null {
    const values = claimValues(claims, config.roleClaim);
    if (values.some((v) => config.adminValues.includes(v))) return 'admin';
    if (values.some((v) => config.viewerValues.includes(v))) return 'viewer';
    return null;
  }

  function reportsSecondFactor(claims: Claims): boolean {
    if (config.secondFactor === 'always') return true;
    const acr = typeof claims.acr === 'string' ? claims.acr : null;
    return claimValues(claims, 'amr').some((v) => SECOND_FACTOR_AMR.includes(v)) || (acr !== null && config.secondFactorAcr.includes(acr));
  }

  /** The ID token's claims with the userinfo endpoint's over them (groups often come only from there). */
  async function claimsOf(
    configuration: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    subject: string,
  ): Promise<Claims> {
    const idClaims = tokens.claims() ?? {};
    if (!configuration.serverMetadata().userinfo_endpoint) return { ...idClaims };
    return { ...idClaims, ...(await oidc.fetchUserInfo(configuration, tokens.access_token, subject)) };
  }

  /** The account linked to this issuer and subject, created (or linked by verified email, when allowed) at the first sign-in. */
  async function linkAccount(issuer: string, subject: string, email: string, emailVerified: boolean, role: Role) {
    const linked = await prisma.admin.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: subject } } });
    if (linked) return prisma.admin.update({ where: { id: linked.id }, data: { role } });
    const sameEmail = await prisma.admin.findUnique({ where: { email } });
    if (sameEmail) {
      // Never by email alone: another provider account with this email must not take the local one over.
      if (!config.linkVerifiedEmail || !emailVerified || sameEmail.oidcIssuer) {
        throw new SingleSignOnFailedError(
          `an account with the email ${email} exists and is not linked to this sign-in: an administrator removes it first (or see FACEGATE_OIDC_LINK_VERIFIED_EMAIL)`,
          email,
        );
      }
      return prisma.admin.update({ where: { id: sameEmail.id }, data: { oidcIssuer: issuer, oidcSubject: subject, role } });
    }
    // No password: an empty hash matches none (sign-in/security-log.ts checkPassword).
    return prisma.admin.create({ data: { email, passwordHash: '', role, oidcIssuer: issuer, oidcSubject: subject } });
  }

  return {
    name: config.name,

    /** The provider's authorization URL for a new sign-in, and its state (the browser keeps it to come back with). */
    async begin(address: string | null): Promise<{ url: string; state: string }> {
      try {
        await starts.consume(address ?? 'unknown');
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new RateLimitedError(
          Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          'too many single sign-ons started from this address: retry in a minute',
        );
      }
      const configuration = await provider();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = oidc.randomPKCECodeVerifier();
      const now = Date.now();
      await prisma.singleSignOnRequest.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
      if ((await prisma.singleSignOnRequest.count()) >= MAX_WAITING_SIGN_INS) {
        throw new RateLimitedError(60, 'too many single sign-ons are waiting for the provider: retry in a minute');
      }
      await prisma.singleSignOnRequest.create({
        data: {
          stateHash: sha256(state),
          nonce,
          codeVerifier: cipher.seal(Buffer.from(verifier)),
          expiresAt: new Date(now + REQUEST_SECONDS * 1000),
        },
      });
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: config.redirectUri,
        scope: config.scopes,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, state };
    },

    /**
     * The provider's answer (the callback URL's query) for the sign-in `state` names (what the browser
     * kept): the state, nonce and PKCE verifier are checked by openid-client, the role mapped from the
     * claims. The started sign-in is used up, whatever the outcome. With `requireSecondFactor`, a sign-in
     * the provider reports no second factor for is refused before any account is made or changed.
     */
    async complete(callbackUrl: string, state: string, requireSecondFactor: boolean): Promise<ProviderSignIn> {
      const request = await prisma.singleSignOnRequest.findUnique({ where: { stateHash: sha256(state) } });
      const used = request ? (await prisma.singleSignOnRequest.deleteMany({ where: { id: request.id } })).count === 1 : false;
      if (!request || !used || request.expiresAt.getTime() <= Date.now())
        throw new SingleSignOnFailedError('this sign-in has expired or was completed: start again');
      let query: URLSearchParams;
      try {
        query = new URL(callbackUrl, config.redirectUri).searchParams;
      } catch {
        throw new SingleSignOnFailedError('the callback URL cannot be read');
      }
      const configuration = await provider();
      const current = new URL(config.redirectUri);
      current.search = query.toString();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(configuration, current, {
          expectedState: state,
          expectedNonce: request.nonce,
          pkceCodeVerifier: cipher.open(request.codeVerifier).toString(),
          idTokenExpected: true,
        });
      } catch (error) {
        throw new SingleSignOnFailedError(`the provider's answer was refused: ${reason(error)}`);
      }
      const subject = tokens.claims()!.sub;
      const claims = await claimsOf(configuration, tokens, subject);
      const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
      if (!email) throw new SingleSignOnFailedError('the provider gave no email for this user (scope email)');
      const role = roleOf(claims);
      if (!role)
        throw new SingleSignOnFailedError(
          `no role for this user: the claim ${config.roleClaim} has none of the values mapped to a role`,
          email,
        );
      const secondFactor = reportsSecondFactor(claims);
      if (requireSecondFactor && !secondFactor)
        throw new SingleSignOnFailedError(
          'this site requires a second factor, and the sign-in provider did not report one (amr or acr)',
          email,
        );
      if (!tokens.refresh_token)
        throw new SingleSignOnFailedError(
          'the provider gave no refresh token, so a user removed there would keep access: allow refresh tokens for this client (or add offline_access to FACEGATE_OIDC_SCOPES)',
          email,
        );
      const admin = await linkAccount(
        String(claims.iss ?? configuration.serverMetadata().issuer),
        subject,
        email,
        claims.email_verified === true,
        role,
      );
      return { admin, refreshToken: cipher.seal(Buffer.from(tokens.refresh_token)), secondFactor };
    },

    /**
     * Asks the provider again about a session when its last check is older than the recheck interval
     * (one instance and one request claim the check; the others go on meanwhile): a user removed,
     * disabled or left without a mapped role ends the session, a changed role is applied. Null when no
     * check was due. A provider that cannot be reached is asked again at the next interval.
     */
    async recheck(session: { id: string; adminId: string; providerRefreshToken: Uint8Array | null }): Promise<Recheck | null> {
      const now = new Date();
      const { count } = await prisma.adminSession.updateMany({
        where: {
          id: session.id,
          OR: [{ providerCheckedAt: null }, { providerCheckedAt: { lt: new Date(now.getTime() - config.recheckSeconds * 1000) } }],
        },
        data: { providerCheckedAt: now },
      });
      if (count !== 1) return null;
      let refreshToken: string;
      try {
        refreshToken = cipher.open(session.providerRefreshToken!).toString();
      } catch {
        // No token, or one sealed under a data key no longer given: the provider cannot be asked, so no access.
        return { ended: 'the refresh token cannot be read' };
      }
      let tokens: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
      let claims: Claims;
      try {
        const configuration = await provider();
        tokens = await oidc.refreshTokenGrant(configuration, refreshToken);
        const admin = await prisma.admin.findUniqueOrThrow({ where: { id: session.adminId } });
        claims = await claimsOf(configuration, tokens, admin.oidcSubject ?? '');
      } catch (error) {
        // The provider's refusal (invalid_grant: the user or their session is gone) ends the session.
        if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) return { ended: error.message };
        return null;
      }
      const role = roleOf(claims);
      if (!role) return { ended: `no role mapped from ${config.roleClaim}` };
      await prisma.adminSession.update({
        where: { id: session.id },
        data: tokens.refresh_token ? { providerRefreshToken: cipher.seal(Buffer.from(tokens.refresh_token)) } : {},
      });
      await prisma.admin.update({ where: { id: session.adminId }, data: { role } });
      return { role };
    },
  };
}

export type SingleSignOn = ReturnType<typeof createSingleSignOn>;
