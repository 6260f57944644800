import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { homeRegionOfUser, Region, Role } from '@lib/contracts';
import { CheckpointedProcessor, EventStore, ReadModelDatabase, RecordedEvent } from '@lib/eventstore';
import { EVENT_STORE, READ_MODELS } from '@lib/service-kit';
import { KnownOrganizationRepository } from '../directory/directory.repositories';
import type { UserEvent } from '../users/user.decider';
import { PeerRefused, RegionPeersClient } from './region-peers.client';

/** what travels from an organization's region to the member's home region: exactly these fields */
export interface MembershipIndexEntry {
  userId: string;
  organizationId: string;
  organizationName: string;
  region: Region;
  role: Role | null;
  sourceRevision: number;
}

const MEMBERSHIP_EVENTS = new Set<UserEvent['type']>(['MembershipGranted', 'MembershipRoleChanged', 'MembershipRevoked']);

/** the membership entry an event of identity's own log means for a peer region, or null */
export function entryFor(event: RecordedEvent, ownRegion: Region, organizationName: (id: string) => Promise<string>): Promise<MembershipIndexEntry | null> | null {
  if (!MEMBERSHIP_EVENTS.has(event.type as UserEvent['type']) || !event.streamName.startsWith('user-')) return null;
  const userId = event.streamName.slice('user-'.length);
  const home = homeRegionOfUser(userId);
  if (!home || home === ownRegion) return null;
  const data = event.data as { organizationId: string; role?: Role; sourceRevision: number };
  const role = event.type === 'MembershipRevoked' ? null : (data.role ?? null);
  return organizationName(data.organizationId).then((name) => ({
    userId,
    organizationId: data.organizationId,
    organizationName: name,
    region: ownRegion,
    role,
    sourceRevision: data.sourceRevision,
  }));
}

/**
 * The outbox of the membership index, one per peer region: follows identity's own log (where it records what
 * organization publishes) from its own checkpoint, and sends each membership change of a user whose home is
 * that peer to the peer's `PUT /v1/regions/memberships`. At least once, in log order; the home region keeps
 * the highest source revision per organization, so a resend changes nothing. A failing peer is retried with a
 * backoff from the checkpoint and holds up no other peer. Nothing is sent with no peers configured.
 */
@Injectable()
export class MembershipIndexRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MembershipIndexRelay');
  private readonly processors = new Map<Region, CheckpointedProcessor>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelDatabase,
    private readonly peers: RegionPeersClient,
    private readonly organizations: KnownOrganizationRepository,
  ) {}

  static checkpointName(peer: Region) {
    return `membership-index-relay:${peer}`;
  }

  onApplicationBootstrap() {
    for (const peer of this.peers.peers) {
      if (this.processors.has(peer)) continue;
      const name = MembershipIndexRelay.checkpointName(peer);
      const processor = new CheckpointedProcessor({
        name,
        store: this.store,
        batchSize: 100,
        checkpoint: () => this.readModels.checkpoint(name)?.position ?? 0,
        handle: (events) => this.send(peer, name, events),
        backoff: { initialMs: 500, maxMs: 15_000 },
        onError: (error) => this.logger.warn(`membership index to ${peer}: ${(error as Error).message}; retrying from the checkpoint`),
      });
      this.processors.set(peer, processor);
      processor.start();
    }
  }

  async beforeApplicationShutdown() {
    await Promise.all([...this.processors.values()].map((p) => p.stop()));
    this.processors.clear();
  }

  /** events not yet sent to a peer (for readiness and the runbook's "region is down" checks) */
  lag(peer: Region): Promise<number> {
    return this.processors.get(peer)?.lag() ?? Promise.resolve(0);
  }

  private async send(peer: Region, name: string, events: RecordedEvent[]) {
    const nameOf = async (id: string) => (await this.organizations.load(id)).state.profile?.name ?? '';
    for (const event of events) {
      const pending = entryFor(event, this.peers.region, nameOf);
      const entry = pending && (await pending);
      if (entry && homeRegionOfUser(entry.userId) === peer) {
        try {
          await this.peers.send(peer, 'PUT', '/v1/regions/memberships', entry);
        } catch (error) {
          if (!(error instanceof PeerRefused)) throw error;
          // the peer will refuse this entry whatever we do: it is logged (and the log is the record), the rest goes on
          this.logger.error(`membership index entry ${entry.userId}/${entry.organizationId} refused by ${peer}: ${error.message}`);
        }
      }
      // each event moves the checkpoint: a failure resends from the first event not yet accepted
      this.readModels.saveCheckpoint(name, event.position);
    }
  }
}
