import { createRemoteJWKSet, errors, jwtVerify, JWTVerifyGetKey } from 'jose';
import { homeRegionOfUser, Region } from '@lib/contracts';
import { AccessTokenClaims, LocalKeySet, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenVerifier } from './tokens';

/** a peer whose key set could not tell us anything: unknown kid, unreachable, too slow */
const PASS_ON = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);
const passesOn = (error: unknown) => !(error instanceof errors.JOSEError) || PASS_ON.has(error.code);

/**
 * One account across regions (docs/regions.md): a token is signed by its user's home region. This verifier
 * tries this region's own keys first; a token whose key id this region does not know is checked against each
 * peer region's published JWKS (`<peer>/.well-known/jwks.json`, fetched on demand, cached, refetched at most
 * every 30 s when an unknown key id shows up: that is how a peer's key rotation is learned). A peer signs only
 * for its own accounts: a region-named subject (`usr-eu-…`) must be the signing peer's. A key id that no
 * region publishes is refused. With no peers this is exactly the TokenVerifier.
 */
export class RegionalTokenVerifier extends TokenVerifier {
  private readonly peers: { region: Region; getKey: JWTVerifyGetKey }[];

  constructor(
    own: { jwksUrl?: string; local?: LocalKeySet },
    options: { peers: Partial<Record<Region, string>>; timeoutMs: number },
  ) {
    super(own);
    this.peers = (Object.entries(options.peers) as [Region, string][])
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([region, url]) => ({
        region,
        getKey: createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`), {
          timeoutDuration: options.timeoutMs,
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
        }),
      }));
  }

  override async verify(token: string): Promise<AccessTokenClaims> {
    try {
      return await super.verify(token);
    } catch (error) {
      if (this.peers.length === 0 || !(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    for (const peer of this.peers) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, peer.getKey, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: ['ES256'],
          requiredClaims: ['exp', 'iat'],
        }));
      } catch (error) {
        if (passesOn(error)) continue;
        throw error;
      }
      if (typeof payload.sub !== 'string' || typeof payload.email !== 'string' || typeof payload.jti !== 'string') {
        throw new Error('token lacks sub, email or jti');
      }
      const home = homeRegionOfUser(payload.sub);
      if (home !== null && home !== peer.region) {
        throw new Error(`region ${peer.region} signed a token for ${payload.sub}, whose home is ${home}`);
      }
      return payload as unknown as AccessTokenClaims;
    }
    throw new errors.JWKSNoMatchingKey('no region publishes the key that signed this token');
  }
}

/** what every service builds its verifier from: its own key source, plus its peers when it has any */
export function regionalVerifier(
  own: { jwksUrl?: string; local?: LocalKeySet },
  config: { REGION_PEERS: Partial<Record<Region, string>>; REGION_PEER_TIMEOUT_MS: number },
): TokenVerifier {
  return new RegionalTokenVerifier(own, { peers: config.REGION_PEERS, timeoutMs: config.REGION_PEER_TIMEOUT_MS });
}
