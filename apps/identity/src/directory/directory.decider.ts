import { Decider, assertNever } from '@lib/eventstore';
import { Region, Role } from '@lib/contracts';

/** identity's own record of organizations (name, region, status), learned from organization events */
export const knownOrganizationStream = (organizationId: string) => `known-organization-${organizationId}`;
/** pending invitations addressed to one email, learned from organization events */
export const invitationsStream = (email: string) => `invitations-${email}`;

export interface OrganizationProfile {
  organizationId: string;
  name: string;
  region: Region;
  status: 'active' | 'suspended';
  /** since MFA; absent in records from before: not required */
  mfaRequired?: boolean;
}

export type KnownOrganizationEvent = { type: 'OrganizationRecorded'; data: OrganizationProfile & { sourceRevision: number } };
export type KnownOrganizationCommand = {
  type: 'RecordOrganization';
  organizationId: string;
  sourceRevision: number;
  change: Partial<Omit<OrganizationProfile, 'organizationId'>>;
};
export interface KnownOrganizationState {
  profile: OrganizationProfile | null;
  sourceRevision: number;
}

export const knownOrganizationDecider: Decider<KnownOrganizationCommand, KnownOrganizationEvent, KnownOrganizationState> = {
  initialState: () => ({ profile: null, sourceRevision: -1 }),
  evolve: (_state, event) => {
    const { sourceRevision, ...profile } = event.data;
    return { profile, sourceRevision };
  },
  decide(command, state) {
    if (command.sourceRevision <= state.sourceRevision) return [];
    const base: OrganizationProfile = state.profile ?? { organizationId: command.organizationId, name: '', region: 'us', status: 'active' };
    return [{ type: 'OrganizationRecorded', data: { ...base, ...command.change, sourceRevision: command.sourceRevision } }];
  },
};

export interface PendingInvitation {
  invitationId: string;
  /** the invited address (sealed in the log; absent on events before issue 9, whose stream name holds it) */
  email?: string;
  organizationId: string;
  role: Role;
  expiresAt: string;
  /** which mailing of the invitation the link belongs to (absent for the first one); a resend makes a new one */
  sendId?: string;
  /** sha256 of the link's token: only the latest mailing's link is accepted (absent on events before issue 9) */
  tokenHash?: string;
}

export type InvitationsEvent =
  | { type: 'InvitationRecorded'; data: PendingInvitation & { sourceRevision: number } }
  | { type: 'InvitationClosed'; data: { invitationId: string; organizationId: string; sourceRevision: number; reason: InvitationClosedReason } };
export type InvitationClosedReason = 'accepted' | 'revoked' | 'declined';
export type InvitationsCommand =
  | { type: 'RecordInvitation'; invitation: PendingInvitation; sourceRevision: number }
  | { type: 'CloseInvitation'; invitationId: string; organizationId: string; sourceRevision: number; reason: InvitationClosedReason };
export interface InvitationsState {
  pending: Map<string, PendingInvitation>;
  applied: Map<string, number>;
}

export const invitationsDecider: Decider<InvitationsCommand, InvitationsEvent, InvitationsState> = {
  initialState: () => ({ pending: new Map(), applied: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'InvitationRecorded': {
        const { sourceRevision, ...invitation } = event.data;
        state.pending.set(invitation.invitationId, invitation);
        state.applied.set(invitation.organizationId, sourceRevision);
        return state;
      }
      case 'InvitationClosed':
        state.pending.delete(event.data.invitationId);
        state.applied.set(event.data.organizationId, event.data.sourceRevision);
        return state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    const organizationId = command.type === 'RecordInvitation' ? command.invitation.organizationId : command.organizationId;
    if (command.sourceRevision <= (state.applied.get(organizationId) ?? -1)) return [];
    switch (command.type) {
      case 'RecordInvitation':
        return [{ type: 'InvitationRecorded', data: { ...command.invitation, sourceRevision: command.sourceRevision } }];
      case 'CloseInvitation': {
        const { type: _t, ...data } = command;
        return [{ type: 'InvitationClosed', data }];
      }
      default:
        return assertNever(command);
    }
  },
};
