import { Decider, assertNever } from '@lib/eventstore';
import { Region, Role } from '@lib/contracts';

/**
 * The membership index at a user's home region: what the user's organizations in OTHER regions told this
 * region (organization id, its name, its region, the user's role there). One stream per user. Nothing else of
 * those organizations crosses (docs/regions.md). The organization's region still decides every request from
 * its own current state; this index only lists and lets the home region mint a token the region then checks.
 */
export const membershipIndexStream = (userId: string) => `membership-index-${userId}`;

export interface IndexedMembership {
  organizationId: string;
  organizationName: string;
  region: Region;
  role: Role;
}

export type MembershipIndexEvent =
  | { type: 'RemoteMembershipRecorded'; data: IndexedMembership & { sourceRevision: number } }
  | { type: 'RemoteMembershipRemoved'; data: { organizationId: string; region: Region; sourceRevision: number } };

/** an entry sent by the organization's region; `role: null` means the user is no longer a member */
export type MembershipIndexCommand = {
  type: 'RecordRemoteMembership';
  organizationId: string;
  organizationName: string;
  region: Region;
  role: Role | null;
  /** the organization stream's revision the entry reflects: orders entries and makes a resend a no-op */
  sourceRevision: number;
};

export interface MembershipIndexState {
  memberships: Map<string, IndexedMembership>;
  applied: Map<string, number>;
}

export const membershipIndexDecider: Decider<MembershipIndexCommand, MembershipIndexEvent, MembershipIndexState> = {
  initialState: () => ({ memberships: new Map(), applied: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'RemoteMembershipRecorded': {
        const { sourceRevision, ...membership } = event.data;
        state.memberships.set(membership.organizationId, membership);
        state.applied.set(membership.organizationId, sourceRevision);
        return state;
      }
      case 'RemoteMembershipRemoved':
        state.memberships.delete(event.data.organizationId);
        state.applied.set(event.data.organizationId, event.data.sourceRevision);
        return state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RecordRemoteMembership': {
        const { organizationId, organizationName, region, role, sourceRevision } = command;
        // a resend, or an entry older than one already applied (retries may arrive out of order)
        if (sourceRevision <= (state.applied.get(organizationId) ?? -1)) return [];
        if (role === null) {
          return state.memberships.has(organizationId) ? [{ type: 'RemoteMembershipRemoved', data: { organizationId, region, sourceRevision } }] : [];
        }
        const known = state.memberships.get(organizationId);
        if (known && known.role === role && known.organizationName === organizationName) return [];
        return [{ type: 'RemoteMembershipRecorded', data: { organizationId, organizationName, region, role, sourceRevision } }];
      }
      default:
        return assertNever(command.type);
    }
  },
};
