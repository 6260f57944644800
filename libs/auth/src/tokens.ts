import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, JSONWebKeySet, jwtVerify, JWTVerifyGetKey } from 'jose';
import { ServiceTokenClaims } from './machine-credentials';

export const TOKEN_ISSUER = 'orgs-control-plane/identity';
export const TOKEN_AUDIENCE = 'orgs-control-plane';

/** what the services read from a verified access token */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  jti: string;
  iat: number;
  exp: number;
  /** present when the token is scoped to an organization */
  org?: string;
  region?: string;
  /** identity's current knowledge when the token was minted: the user proved they own `email` */
  email_verified?: boolean;
  /** RFC 8176 authentication methods of the session; `mfa` when the sign-in passed the second factor */
  amr?: string[];
}

/**
 * Where verifiers find the public keys. In one process identity publishes its keys here; a service in its
 * own process (or a gateway) reads the JWKS document over HTTP instead.
 */
export class LocalKeySet {
  private keys: JSONWebKeySet = { keys: [] };
  private getter: JWTVerifyGetKey = createLocalJWKSet(this.keys);

  publish(keys: JSONWebKeySet) {
    this.keys = keys;
    this.getter = createLocalJWKSet(keys);
  }

  readonly resolve: JWTVerifyGetKey = (header, token) => this.getter(header, token);

  get size() {
    return this.keys.keys.length;
  }
}

/** one per process: identity publishes, verifiers in the same process read */
export const inProcessKeySet = new LocalKeySet();

export class TokenVerifier {
  private readonly getKey: JWTVerifyGetKey;

  constructor(source: { jwksUrl?: string; local?: LocalKeySet }) {
    if (source.jwksUrl) this.getKey = createRemoteJWKSet(new URL(source.jwksUrl), { cooldownDuration: 30_000 });
    else this.getKey = (source.local ?? inProcessKeySet).resolve;
  }

  /** verifies signature, issuer, audience and expiry; throws on any failure */
  async verify(token: string): Promise<AccessTokenClaims> {
    const { payload } = await jwtVerify(token, this.getKey, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['ES256'],
      // a token without an expiry would be valid forever: refused even when correctly signed
      requiredClaims: ['exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.email !== 'string' || typeof payload.jti !== 'string' || payload.token_use !== undefined) {
      throw new Error('token lacks sub, email or jti');
    }
    return payload as unknown as AccessTokenClaims;
  }

  /** a service credential's access token (identity's POST /v1/oauth/token): same keys, `token_use: service` */
  async verifyService(token: string): Promise<ServiceTokenClaims> {
    const { payload } = await jwtVerify(token, this.getKey, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    if (payload.token_use !== 'service' || typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') {
      throw new Error('not a service token');
    }
    return payload as unknown as ServiceTokenClaims;
  }
}

/** which verification a JWT asks for, read from its unverified payload (the verification itself decides) */
export function isServiceTokenShape(token: string): boolean {
  try {
    return decodeJwt(token).token_use === 'service';
  } catch {
    return false;
  }
}
