import { Inject, Injectable } from '@nestjs/common';
import { Region } from '@lib/contracts';
import { ConfigError, peerRegions } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { IdentityConfig } from '../config';

/** an answer from a peer that will not change by sending the same request again (bad entry, wrong region) */
export class PeerRefused extends Error {
  override readonly name = 'PeerRefused';
  constructor(
    readonly region: Region,
    readonly status: number,
    readonly body: string,
  ) {
    super(`region ${region} refused the request (${status}): ${body.slice(0, 300)}`);
  }
}

/**
 * The HTTP client of this region's identity towards its peer regions' public APIs (REGION_PEERS), with the
 * peer credential (REGION_PEER_TOKEN) and a timeout on every call. Reachability is remembered for a few
 * seconds so a sign-in does not wait on a dead region more than once in a while.
 */
@Injectable()
export class RegionPeersClient {
  private readonly reachability = new Map<Region, { up: boolean; checkedAt: number }>();
  static readonly REACHABILITY_TTL_MS = 5000;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: IdentityConfig) {
    // identity is the one service that calls its peers: without a credential it could send them nothing (exit 78)
    if (peerRegions(config).length > 0 && !config.REGION_PEER_TOKEN) {
      throw new ConfigError('invalid configuration:\n  REGION_PEER_TOKEN: required by identity when REGION_PEERS is set');
    }
  }

  get region(): Region {
    return this.config.REGION;
  }

  get peers(): Region[] {
    return peerRegions(this.config);
  }

  isPeer(region: Region): boolean {
    return this.config.REGION_PEERS[region] !== undefined;
  }

  /** PUT/POST a JSON body to a peer; 2xx resolves, a definitive 4xx throws PeerRefused, anything else throws */
  async send(region: Region, method: 'PUT' | 'POST', path: string, body: unknown): Promise<void> {
    const base = this.config.REGION_PEERS[region];
    if (!base) throw new Error(`region ${region} is not a configured peer`);
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.config.REGION_PEER_TOKEN}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.config.REGION_PEER_TIMEOUT_MS),
      redirect: 'error',
    });
    this.reachability.set(region, { up: true, checkedAt: Date.now() });
    if (response.ok) return;
    const text = await response.text().catch(() => '');
    // 401/403: a credential being rotated in; 408/429 and 5xx: the peer is busy or failing; all worth retrying
    if (response.status >= 400 && response.status < 500 && ![401, 403, 408, 429].includes(response.status)) {
      throw new PeerRefused(region, response.status, text);
    }
    throw new Error(`region ${region} answered ${response.status} to ${method} ${path}`);
  }

  /** whether the peer answered (its JWKS document) recently; checked at most every few seconds */
  async reachable(region: Region): Promise<boolean> {
    const base = this.config.REGION_PEERS[region];
    if (!base) return false;
    const known = this.reachability.get(region);
    if (known && Date.now() - known.checkedAt < RegionPeersClient.REACHABILITY_TTL_MS) return known.up;
    let up: boolean;
    try {
      const response = await fetch(`${base}/.well-known/jwks.json`, { signal: AbortSignal.timeout(this.config.REGION_PEER_TIMEOUT_MS), redirect: 'error' });
      up = response.ok;
      await response.body?.cancel();
    } catch {
      up = false;
    }
    this.reachability.set(region, { up, checkedAt: Date.now() });
    return up;
  }
}
