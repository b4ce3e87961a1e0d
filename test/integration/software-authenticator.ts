// A software WebAuthn authenticator for the API tests: real P-256 keys (node:crypto), a real COSE key
// and attestation object (CBOR, "none" attestation), real ECDSA signatures over authenticator data and
// client data, as a platform authenticator builds them; only the browser around it is left out. The
// browser test (test/e2e/dashboard-passkeys.test.ts) uses Chromium's virtual authenticator instead.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

interface Credential {
  id: Buffer;
  rpId: string;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array) => isoBase64URL.fromBuffer(Uint8Array.from(data));
/** Flags: user present, user verified, and (at registration) attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(counter);
  return bytes;
}

export class SoftwareAuthenticator {
  readonly credentials: Credential[] = [];

  /** `origin`: the page the browser would be on (what it writes into the client data). */
  constructor(readonly origin: string) {}

  /** navigator.credentials.create() for PublicKeyCredentialCreationOptionsJSON: the credential's JSON. */
  create(optionsJson: string): string {
    const options = JSON.parse(optionsJson) as { challenge: string; rp: { id: string }; user: { id: string } };
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key: kty EC2, alg ES256, crv P-256, x, y.
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const credential: Credential = { id: randomBytes(32), rpId: options.rp.id, privateKey, userHandle: options.user.id, counter: 0 };
    this.credentials.push(credential);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      sha256(options.rp.id),
      Buffer.from([UP | UV | AT]),
      counterBytes(0),
      Buffer.alloc(16),
      idLength,
      credential.id,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    const clientData = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: this.origin, crossOrigin: false });
    return JSON.stringify({
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      response: { clientDataJSON: b64url(Buffer.from(clientData)), attestationObject: b64url(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
  }

  /**
   * navigator.credentials.get() for PublicKeyCredentialRequestOptionsJSON, with the first of our
   * credentials it allows (or `use`); `counter` overrides the signature counter (a cloned key's).
   */
  get(optionsJson: string, opts: { use?: Credential; counter?: number; origin?: string } = {}): string {
    const options = JSON.parse(optionsJson) as { challenge: string; rpId: string; allowCredentials?: { id: string }[] };
    const credential =
      opts.use ??
      this.credentials.find((c) => c.rpId === options.rpId && (options.allowCredentials ?? []).some((a) => a.id === b64url(c.id)));
    if (!credential) throw new Error('no credential of this authenticator is allowed');
    credential.counter = opts.counter ?? credential.counter + 1;
    const authData = Buffer.concat([sha256(options.rpId), Buffer.from([UP | UV]), counterBytes(credential.counter)]);
    const clientData = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: opts.origin ?? this.origin, crossOrigin: false }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.privateKey);
    return JSON.stringify({
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    });
  }
}
