import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify, JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { Region, REGIONS } from '@lib/contracts/regions';

/**
 * Signed origin of a package. The exporting stack signs, with its own ES256 key, a compact JWS whose payload
 * binds the SHA-256 of `manifest.json` (which holds the SHA-256 of every other file) to the origin: source
 * organization, region and app key. The JWS travels in the ZIP as `signature.jws`. An importing stack
 * verifies it against the keys it trusts, each trusted for one region; the origin it records is the payload's,
 * never the manifest's editable fields.
 *
 * node:crypto signs synchronously, so a package can be signed while its ZIP is streamed; the JWS is the plain
 * RFC 7515 compact form (any JOSE library verifies it with the published JWKS).
 */
export const SIGNATURE_ALG = 'ES256';

export const SignaturePayloadSchema = z
  .object({
    v: z.literal(1),
    manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
    appKey: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/),
    source: z.object({ organizationId: z.string().min(1).max(200), organizationName: z.string().min(1).max(200), region: z.enum(REGIONS) }).strict(),
    iat: z.number().int(),
  })
  .strict();
export type SignaturePayload = z.infer<typeof SignaturePayloadSchema>;

export interface TrustedKey {
  kid: string;
  region: Region;
  key: KeyObject;
}

export type SignatureCheck =
  | { verified: true; kid: string; payload: SignaturePayload }
  | { verified: false; reason: 'unsigned' | 'unknown-signer' | 'bad-signature' | 'malformed' | 'manifest-mismatch' | 'region-mismatch'; detail: string };

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class PackageSigner {
  constructor(
    readonly kid: string,
    private readonly privateKey: KeyObject,
    readonly region: Region,
  ) {}

  /** a new key (for tests and for a stack that has none configured) */
  static generate(region: Region): PackageSigner {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return PackageSigner.fromPrivateKey(privateKey, region);
  }

  /** from a PKCS#8 PEM; the kid is the RFC 7638 thumbprint of the public key, so it is stable */
  static fromPem(pem: string, region: Region): PackageSigner {
    return PackageSigner.fromPrivateKey(createPrivateKey(pem), region);
  }

  private static fromPrivateKey(privateKey: KeyObject, region: Region) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the package signing key must be an EC P-256 private key');
    }
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    return new PackageSigner(thumbprint(jwk), privateKey, region);
  }

  pem(): string {
    return this.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  publicJwk(): JsonWebKey & { kid: string; alg: string; use: string; region: Region } {
    const jwk = createPublicKey(this.privateKey).export({ format: 'jwk' });
    return { ...jwk, kid: this.kid, alg: SIGNATURE_ALG, use: 'sig', region: this.region };
  }

  trusted(): TrustedKey {
    return { kid: this.kid, region: this.region, key: createPublicKey(this.privateKey) };
  }

  sign(manifest: Buffer, claims: Omit<SignaturePayload, 'v' | 'manifestSha256' | 'iat'>, now = new Date()): string {
    const payload: SignaturePayload = { v: 1, manifestSha256: sha256(manifest), ...claims, iat: Math.floor(now.getTime() / 1000) };
    const input = `${b64url(JSON.stringify({ alg: SIGNATURE_ALG, kid: this.kid, typ: 'app-package+jws' }))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }
}

function sha256(data: Buffer) {
  return createHash('sha256').update(data).digest('hex');
}

function thumbprint(jwk: JsonWebKey) {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

/**
 * The trusted keys from configuration: a JWKS document whose keys each carry a `region` (the region's stack
 * publishes exactly that at /.well-known/package-signing-keys.json). Throws with the reason on a bad document.
 */
export function parseTrustedKeys(json: string): TrustedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`, { cause: e });
  }
  const parsed = z
    .object({ keys: z.array(z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string().min(1), region: z.enum(REGIONS) }).passthrough()) })
    .safeParse(doc);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data.keys.map((k) => {
    const key = createPublicKey({ key: { kty: k.kty, crv: k.crv, x: k.x, y: k.y }, format: 'jwk' });
    return { kid: k.kid, region: k.region, key };
  });
}

/** checks `jws` against `manifest` and the trusted keys; never throws on hostile input */
export function verifyPackageSignature(jws: string | null, manifest: Buffer, trusted: TrustedKey[]): SignatureCheck {
  if (jws === null) return { verified: false, reason: 'unsigned', detail: 'the package carries no signature' };
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { verified: false, reason: 'malformed', detail: 'the signature is not a compact JWS' };
  let header: { alg?: unknown; kid?: unknown };
  let rawPayload: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    rawPayload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { verified: false, reason: 'malformed', detail: 'the signature header or payload is not JSON' };
  }
  if (header?.alg !== SIGNATURE_ALG || typeof header.kid !== 'string') return { verified: false, reason: 'malformed', detail: `the signature must be ${SIGNATURE_ALG} with a kid` };
  const key = trusted.find((k) => k.kid === header.kid);
  if (!key) return { verified: false, reason: 'unknown-signer', detail: `the package is signed by key ${JSON.stringify(header.kid.slice(0, 100))}, which this stack does not trust` };
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: key.key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok) return { verified: false, reason: 'bad-signature', detail: 'the signature does not verify' };
  const payload = SignaturePayloadSchema.safeParse(rawPayload);
  if (!payload.success) return { verified: false, reason: 'malformed', detail: 'the signed payload is not a package origin' };
  if (payload.data.manifestSha256 !== sha256(manifest)) return { verified: false, reason: 'manifest-mismatch', detail: 'manifest.json was changed after it was signed' };
  if (payload.data.source.region !== key.region) {
    return { verified: false, reason: 'region-mismatch', detail: `key ${key.kid} is trusted for region ${key.region}, not ${payload.data.source.region}` };
  }
  return { verified: true, kid: key.kid, payload: payload.data };
}
