import { Injectable } from '@nestjs/common';
import { homeRegionOfUser, Region, regionOfOrganization, Role } from '@lib/contracts';
import { DomainError } from '@lib/eventstore';
import { MembershipIndexRepository } from './membership-index.repository';
import { RegionPeersClient } from './region-peers.client';
import type { MembershipIndexEntry } from './membership-index.relay';

export interface RemoteOrganization {
  id: string;
  name: string;
  region: Region;
  /** `unavailable`: the organization's region does not answer now; its entry is what it last sent */
  status: 'active' | 'unavailable';
  role: Role;
}

/**
 * The home-region side of one account across regions: records what peer regions send into the user's
 * membership index, and lists the user's organizations in other regions with their region's availability.
 */
@Injectable()
export class RegionsService {
  constructor(
    private readonly index: MembershipIndexRepository,
    private readonly peers: RegionPeersClient,
  ) {}

  async record(entry: MembershipIndexEntry, at: string) {
    const own = this.peers.region;
    const home = homeRegionOfUser(entry.userId);
    if (home !== own) {
      throw new DomainError(
        'misdirected',
        home ? `user ${entry.userId} has its home in region ${home}; this stack serves region ${own}` : `user ${entry.userId} names no home region`,
        'wrong-region',
        home ? { region: home } : undefined,
      );
    }
    if (!this.peers.isPeer(entry.region) || regionOfOrganization(entry.organizationId) !== entry.region) {
      throw new DomainError('invalid', `organization ${entry.organizationId} is not served by a peer region ${entry.region}`, 'not-a-peer-organization');
    }
    const { userId, organizationId, organizationName, region, role, sourceRevision } = entry;
    await this.index.handle(
      userId,
      { type: 'RecordRemoteMembership', organizationId, organizationName, region, role, sourceRevision },
      { at, actor: `region:${region}` },
    );
  }

  /** the user's organizations in peer regions, each marked unavailable while its region does not answer */
  async organizationsOf(userId: string): Promise<RemoteOrganization[]> {
    if (this.peers.peers.length === 0) return [];
    const { state } = await this.index.load(userId);
    const memberships = [...state.memberships.values()];
    const regions = [...new Set(memberships.map((m) => m.region))];
    const up = new Map(await Promise.all(regions.map(async (r) => [r, await this.peers.reachable(r)] as const)));
    return memberships.map((m) => ({
      id: m.organizationId,
      name: m.organizationName,
      region: m.region,
      status: up.get(m.region) ? ('active' as const) : ('unavailable' as const),
      role: m.role,
    }));
  }

  /** the user's role in an organization of a peer region, as that region last sent it, or null */
  async roleIn(userId: string, organizationId: string): Promise<{ role: Role; region: Region } | null> {
    if (this.peers.peers.length === 0) return null;
    const { state } = await this.index.load(userId);
    const membership = state.memberships.get(organizationId);
    return membership ? { role: membership.role, region: membership.region } : null;
  }
}
