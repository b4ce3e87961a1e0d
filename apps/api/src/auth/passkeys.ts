// Administrators' passkeys (WebAuthn, through @simplewebauthn/server): the options a browser is given, and
// the checks of what its authenticator answers. The relying party is the dashboard: its public URL
// (FACEGATE_DASHBOARD_URL) gives the origin signatures must name and the RP ID credentials are bound to.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import { z } from 'zod';

export interface RelyingParty {
  /** The dashboard's host name: credentials are bound to it. */
  readonly id: string;
  /** The dashboard's origin, as browsers write it into the signed client data. */
  readonly origin: string;
  readonly name: string;
}

export function relyingParty(dashboardUrl: string): RelyingParty {
  const url = new URL(dashboardUrl);
  return { id: url.hostname, origin: url.origin, name: 'facegate' };
}

/** What is kept of a credential (the Passkey row). */
export interface StoredCredential {
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: bigint;
  transports: string;
}

const transportsOf = (stored: string) => stored.split(',').filter(Boolean) as AuthenticatorTransport[];

// The shape browsers send (PublicKeyCredential.toJSON(), or @simplewebauthn/browser); the library checks the rest.
const credentialJson = z.object({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().optional(),
});
const registrationJson = credentialJson.extend({
  response: z.looseObject({ clientDataJSON: z.string(), attestationObject: z.string(), transports: z.array(z.string()).optional() }),
});
const authenticationJson = credentialJson.extend({
  response: z.looseObject({
    clientDataJSON: z.string(),
    authenticatorData: z.string(),
    signature: z.string(),
    userHandle: z.string().optional(),
  }),
});

/** A response as sent (JSON text), with the challenge its client data names; null when it is not one. */
function parse<T extends { response: { clientDataJSON: string } }>(
  schema: z.ZodType<T>,
  json: string,
): { response: T; challenge: string } | null {
  try {
    const response = schema.parse(JSON.parse(json));
    return { response, challenge: decodeClientDataJSON(response.response.clientDataJSON).challenge };
  } catch {
    return null;
  }
}
export const parseRegistration = (json: string) =>
  parse(registrationJson, json) as { response: RegistrationResponseJSON; challenge: string } | null;
export const parseAuthentication = (json: string) =>
  parse(authenticationJson, json) as { response: AuthenticationResponseJSON; challenge: string } | null;

/** Options for navigator.credentials.create(): a new passkey for this administrator, none of theirs twice. */
export function registrationOptions(rp: RelyingParty, admin: { id: string; email: string }, existing: StoredCredential[]) {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: admin.email,
    userID: new TextEncoder().encode(admin.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: transportsOf(c.transports) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

/** Options for navigator.credentials.get(): one of this administrator's passkeys. */
export function authenticationOptions(rp: RelyingParty, credentials: StoredCredential[]) {
  return generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: transportsOf(c.transports) })),
    userVerification: 'preferred',
  });
}

/** The new credential, when the attestation is for this challenge, origin and RP ID; null otherwise. */
export async function verifyRegistration(rp: RelyingParty, response: RegistrationResponseJSON, challenge: string) {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!result.verified) return null;
    const { credential } = result.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: Uint8Array.from(credential.publicKey),
      counter: BigInt(credential.counter),
      transports: (credential.transports ?? []).join(','),
    };
  } catch {
    return null;
  }
}

/**
 * The authenticator's new signature counter, when the assertion is signed by this credential for this
 * challenge, origin and RP ID and its counter moved on (a counter that stays or goes back means a cloned
 * key; authenticators that keep 0 are allowed, as WebAuthn says); null otherwise.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  stored: StoredCredential,
): Promise<bigint | null> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: stored.credentialId,
        publicKey: stored.publicKey,
        counter: Number(stored.counter),
        transports: transportsOf(stored.transports),
      },
      requireUserVerification: false,
    });
    return result.verified ? BigInt(result.authenticationInfo.newCounter) : null;
  } catch {
    return null;
  }
}
