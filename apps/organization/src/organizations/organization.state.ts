import { assertNever } from '@lib/eventstore';
import { Region, Role } from '@lib/contracts';
import { OrganizationEvent, ResourceData } from './organization.events';
import type { Sealed } from '../resources/secret-box';

/** the organization's fold: what every command group decides on */

export interface Member {
  userId: string;
  email: string;
  role: Role;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
  status: 'pending' | 'accepted' | 'revoked' | 'declined';
}

export interface OrganizationState {
  exists: boolean;
  id: string;
  name: string;
  region: Region | null;
  status: 'active' | 'suspended';
  members: Map<string, Member>;
  memberByEmail: Map<string, string>;
  admins: number;
  invitations: Map<string, Invitation>;
  /** email → id of its latest pending invitation */
  pendingByEmail: Map<string, string>;
  /** the organization's data key, wrapped by the master key */
  wrappedKey: Sealed | null;
  resources: Map<string, Resource>;
  /** members must have signed in with a second factor (absent in snapshots from before MFA: false) */
  mfaRequired?: boolean;
}

export interface Resource extends ResourceData {
  status: 'active' | 'disabled';
}

export const initialOrganizationState = (): OrganizationState => ({
  exists: false,
  id: '',
  name: '',
  region: null,
  status: 'active',
  members: new Map(),
  memberByEmail: new Map(),
  admins: 0,
  invitations: new Map(),
  pendingByEmail: new Map(),
  wrappedKey: null,
  resources: new Map(),
});

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'OrganizationProvisioned':
      state.exists = true;
      state.id = event.data.organizationId;
      state.name = event.data.name;
      state.region = event.data.region;
      return state;
    case 'OrganizationRenamed':
      state.name = event.data.name;
      return state;
    case 'OrganizationSuspended':
      state.status = 'suspended';
      return state;
    case 'OrganizationReactivated':
      state.status = 'active';
      return state;
    case 'InvitationCreated': {
      const { invitationId, email, role, expiresAt } = event.data;
      state.invitations.set(invitationId, { id: invitationId, email, role, expiresAt, status: 'pending' });
      state.pendingByEmail.set(email, invitationId);
      return state;
    }
    case 'InvitationResent': {
      // a new link and a new expiry (invitations/invitation-lifecycle.ts decides it)
      const invitation = state.invitations.get(event.data.invitationId);
      if (invitation) invitation.expiresAt = event.data.expiresAt;
      return state;
    }
    case 'InvitationRevoked':
    case 'InvitationDeclined':
    case 'InvitationAccepted': {
      const invitation = state.invitations.get(event.data.invitationId);
      if (invitation) {
        invitation.status = event.type === 'InvitationRevoked' ? 'revoked' : event.type === 'InvitationDeclined' ? 'declined' : 'accepted';
        if (state.pendingByEmail.get(invitation.email) === invitation.id) state.pendingByEmail.delete(invitation.email);
      }
      return state;
    }
    case 'MemberAdded': {
      const { userId, email, role } = event.data;
      state.members.set(userId, { userId, email, role });
      state.memberByEmail.set(email, userId);
      if (role === 'Admin') state.admins += 1;
      return state;
    }
    case 'MemberRoleChanged': {
      const member = state.members.get(event.data.userId);
      if (member) {
        if (member.role === 'Admin') state.admins -= 1;
        member.role = event.data.to;
        if (member.role === 'Admin') state.admins += 1;
      }
      return state;
    }
    case 'MemberRemoved': {
      const member = state.members.get(event.data.userId);
      if (member) {
        if (member.role === 'Admin') state.admins -= 1;
        state.members.delete(member.userId);
        state.memberByEmail.delete(member.email);
      }
      return state;
    }
    case 'OrganizationKeyIssued':
      state.wrappedKey = event.data.wrappedKey;
      return state;
    case 'ResourceCreated': {
      const { organizationId: _o, ...resource } = event.data;
      state.resources.set(resource.resourceId, { ...resource, status: 'active' });
      return state;
    }
    case 'ResourceUpdated': {
      const resource = state.resources.get(event.data.resourceId);
      if (resource) Object.assign(resource, event.data.changes);
      return state;
    }
    case 'ResourceDisabled':
    case 'ResourceEnabled': {
      const resource = state.resources.get(event.data.resourceId);
      if (resource) resource.status = event.type === 'ResourceDisabled' ? 'disabled' : 'active';
      return state;
    }
    case 'OrganizationMfaRequirementChanged':
      state.mfaRequired = event.data.required;
      return state;
    case 'ResourceDeleted':
      state.resources.delete(event.data.resourceId);
      return state;
    default:
      return assertNever(event);
  }
}
