import { DomainError, Decider, SnapshotPolicy, assertNever } from '@lib/eventstore';
import { assertRoleGrants, notAMember, Permission } from '@lib/auth';
import { Region, Role } from '@lib/contracts';
import { OrganizationEvent, ResourceData } from './organization.events';
import type { Sealed } from '../resources/secret-box';

/** who asks: the operator, or a user (their current role is read from the state, never from a token) */
export type Actor =
  | { kind: 'operator' }
  | { kind: 'user'; userId: string; email: string }
  | { kind: 'system' }
  /** an organization API key: its fixed role, in its own organization only (checked before the command) */
  | { kind: 'apiKey'; keyId: string; role: Role };

export type OrganizationCommand = { at: string; actor: Actor } & (
  | {
      type: 'ProvisionOrganization';
      organizationId: string;
      name: string;
      region: Region;
      admin: { email: string; userId: string | null };
      invitationId: string;
      invitationExpiresAt: string;
      wrappedKey: Sealed;
    }
  | { type: 'CreateResource'; resource: ResourceData }
  | { type: 'UpdateResource'; resourceId: string; changes: Partial<Pick<ResourceData, 'name' | 'config' | 'secret' | 'capabilities'>> }
  | { type: 'DisableResource'; resourceId: string }
  | { type: 'EnableResource'; resourceId: string }
  | { type: 'DeleteResource'; resourceId: string }
  | { type: 'RenameOrganization'; name: string }
  | { type: 'SuspendOrganization'; reason: string }
  | { type: 'ReactivateOrganization' }
  | { type: 'InviteMember'; invitationId: string; email: string; role: Role; expiresAt: string }
  | { type: 'RevokeInvitation'; invitationId: string }
  | { type: 'AcceptInvitation'; invitationId: string; userId: string; email: string }
  | { type: 'ChangeMemberRole'; userId: string; role: Role }
  | { type: 'RemoveMember'; userId: string }
);

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
  status: 'pending' | 'accepted' | 'revoked';
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
}

export interface Resource extends ResourceData {
  status: 'active' | 'disabled';
}

const nameKey = (kind: string, name: string) => `${kind}\u0000${name.toLowerCase()}`;

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
    case 'InvitationRevoked':
    case 'InvitationAccepted': {
      const invitation = state.invitations.get(event.data.invitationId);
      if (invitation) {
        invitation.status = event.type === 'InvitationRevoked' ? 'revoked' : 'accepted';
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
    case 'ResourceDeleted':
      state.resources.delete(event.data.resourceId);
      return state;
    default:
      return assertNever(event);
  }
}

function resourceOf(state: OrganizationState, resourceId: string): Resource {
  const resource = state.resources.get(resourceId);
  if (!resource) throw new DomainError('not_found', 'resource not found', 'resource-not-found');
  return resource;
}

const refOf = (organizationId: string, r: Resource, status: Resource['status'] = r.status) => ({
  organizationId,
  resourceId: r.resourceId,
  type: r.type,
  kind: r.kind,
  name: r.name,
  status,
});

function assertUniqueName(state: OrganizationState, kind: string, name: string, except?: string) {
  for (const r of state.resources.values()) {
    if (r.resourceId !== except && nameKey(r.kind, r.name) === nameKey(kind, name)) {
      throw new DomainError('conflict', `a ${kind} named "${name}" already exists in this organization`, 'resource-name-taken', {
        resourceId: r.resourceId,
      });
    }
  }
}

const notFound = () => new DomainError('not_found', 'organization not found', 'organization-not-found');

/** the actor's current role in this organization, or null */
export function roleOf(state: OrganizationState, actor: Actor): Role | null {
  if (actor.kind === 'apiKey') return actor.role;
  return actor.kind === 'user' ? (state.members.get(actor.userId)?.role ?? null) : null;
}

function authorize(state: OrganizationState, actor: Actor, permission: Permission) {
  if (actor.kind === 'operator' || actor.kind === 'system') return;
  assertRoleGrants(roleOf(state, actor), permission);
}

function operatorOnly(actor: Actor) {
  if (actor.kind !== 'operator') throw new DomainError('forbidden', 'only an operator may do this', 'operator-only');
}

function active(state: OrganizationState) {
  if (state.status === 'suspended') {
    throw new DomainError('conflict', 'the organization is suspended; no change is accepted until it is reactivated', 'organization-suspended');
  }
}

export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  if (command.type === 'ProvisionOrganization') {
    operatorOnly(command.actor);
    if (state.exists) throw new DomainError('conflict', 'the organization already exists', 'organization-exists');
    const { organizationId, name, region, admin } = command;
    const provisioned: OrganizationEvent = { type: 'OrganizationProvisioned', data: { organizationId, name, region } };
    const keyIssued: OrganizationEvent = { type: 'OrganizationKeyIssued', data: { organizationId, wrappedKey: command.wrappedKey } };
    if (admin.userId) {
      return [
        provisioned,
        keyIssued,
        {
          type: 'MemberAdded',
          data: { organizationId, userId: admin.userId, email: admin.email, role: 'Admin', via: 'provisioning' },
        },
      ];
    }
    return [
      provisioned,
      keyIssued,
      {
        type: 'InvitationCreated',
        data: {
          organizationId,
          invitationId: command.invitationId,
          email: admin.email,
          role: 'Admin',
          expiresAt: command.invitationExpiresAt,
        },
      },
    ];
  }
  if (!state.exists) throw notFound();
  const organizationId = state.id;

  switch (command.type) {
    case 'RenameOrganization':
      authorize(state, command.actor, 'organization.manage');
      active(state);
      if (command.name === state.name) return [];
      return [{ type: 'OrganizationRenamed', data: { organizationId, name: command.name, previousName: state.name } }];

    case 'SuspendOrganization':
      operatorOnly(command.actor);
      if (state.status === 'suspended') return [];
      return [{ type: 'OrganizationSuspended', data: { organizationId, reason: command.reason } }];

    case 'ReactivateOrganization':
      operatorOnly(command.actor);
      if (state.status === 'active') return [];
      return [{ type: 'OrganizationReactivated', data: { organizationId } }];

    case 'InviteMember': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      if (state.memberByEmail.has(command.email)) {
        throw new DomainError('conflict', `${command.email} is already a member`, 'already-member');
      }
      const pendingId = state.pendingByEmail.get(command.email);
      const pending = pendingId ? state.invitations.get(pendingId) : undefined;
      if (pending && pending.expiresAt > command.at) {
        throw new DomainError('conflict', `${command.email} already has a pending invitation`, 'invitation-pending', {
          invitationId: pending.id,
        });
      }
      return [
        {
          type: 'InvitationCreated',
          data: {
            organizationId,
            invitationId: command.invitationId,
            email: command.email,
            role: command.role,
            expiresAt: command.expiresAt,
          },
        },
      ];
    }

    case 'RevokeInvitation': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      const invitation = state.invitations.get(command.invitationId);
      if (!invitation) throw new DomainError('not_found', 'invitation not found', 'invitation-not-found');
      if (invitation.status !== 'pending') {
        throw new DomainError('conflict', `the invitation is already ${invitation.status}`, 'invitation-not-pending');
      }
      return [{ type: 'InvitationRevoked', data: { organizationId, invitationId: invitation.id, email: invitation.email } }];
    }

    case 'AcceptInvitation': {
      const invitation = state.invitations.get(command.invitationId);
      // an invitation addressed to someone else is reported as missing: its existence is not the caller's business
      if (!invitation || invitation.email !== command.email) {
        throw new DomainError('not_found', 'invitation not found', 'invitation-not-found');
      }
      active(state);
      if (invitation.status === 'revoked') throw new DomainError('forbidden', 'the invitation was revoked', 'invitation-revoked');
      if (state.members.has(command.userId)) {
        throw new DomainError('conflict', 'you are already a member of this organization', 'already-member');
      }
      if (invitation.status === 'accepted') {
        throw new DomainError('conflict', 'the invitation was already used', 'invitation-used');
      }
      if (invitation.expiresAt <= command.at) {
        throw new DomainError('gone', `the invitation expired at ${invitation.expiresAt}`, 'invitation-expired');
      }
      return [
        {
          type: 'InvitationAccepted',
          data: { organizationId, invitationId: invitation.id, email: invitation.email, userId: command.userId },
        },
        {
          type: 'MemberAdded',
          data: { organizationId, userId: command.userId, email: invitation.email, role: invitation.role, via: 'invitation' },
        },
      ];
    }

    case 'ChangeMemberRole': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      const member = state.members.get(command.userId);
      if (!member) throw new DomainError('not_found', 'member not found', 'member-not-found');
      if (member.role === command.role) return [];
      if (member.role === 'Admin' && state.admins <= 1) {
        throw new DomainError('conflict', 'an organization keeps at least one Admin: promote another member first', 'last-admin');
      }
      return [{ type: 'MemberRoleChanged', data: { organizationId, userId: member.userId, from: member.role, to: command.role } }];
    }

    case 'RemoveMember': {
      const self = command.actor.kind === 'user' && command.actor.userId === command.userId;
      if (!self) authorize(state, command.actor, 'members.manage');
      else if (!state.members.has(command.userId)) throw notAMember();
      active(state);
      const member = state.members.get(command.userId);
      if (!member) throw new DomainError('not_found', 'member not found', 'member-not-found');
      if (member.role === 'Admin' && state.admins <= 1) {
        throw new DomainError('conflict', 'an organization keeps at least one Admin: promote another member first', 'last-admin');
      }
      return [
        {
          type: 'MemberRemoved',
          data: { organizationId, userId: member.userId, email: member.email, role: member.role, by: self ? 'self' : 'admin' },
        },
      ];
    }

    case 'CreateResource': {
      authorize(state, command.actor, 'resources.manage');
      active(state);
      if (state.resources.has(command.resource.resourceId)) {
        throw new DomainError('conflict', 'the resource already exists', 'resource-exists');
      }
      assertUniqueName(state, command.resource.kind, command.resource.name);
      if (command.resource.number) {
        for (const r of state.resources.values()) {
          if (r.number === command.resource.number) {
            throw new DomainError('conflict', `${r.number} is already registered in this organization`, 'phone-number-taken');
          }
        }
      }
      return [{ type: 'ResourceCreated', data: { organizationId, ...command.resource } }];
    }

    case 'UpdateResource': {
      authorize(state, command.actor, 'resources.manage');
      active(state);
      const resource = resourceOf(state, command.resourceId);
      if (command.changes.name !== undefined) assertUniqueName(state, resource.kind, command.changes.name, resource.resourceId);
      if (resource.type === 'phone-number' && (command.changes.config !== undefined || command.changes.secret !== undefined)) {
        throw new DomainError('unprocessable', 'a phone number has no config or secret', 'not-applicable');
      }
      if (Object.keys(command.changes).length === 0) return [];
      const ref = { ...refOf(organizationId, resource), name: command.changes.name ?? resource.name };
      return [{ type: 'ResourceUpdated', data: { ...ref, changes: command.changes } }];
    }

    case 'DisableResource':
    case 'EnableResource': {
      authorize(state, command.actor, 'resources.manage');
      active(state);
      const resource = resourceOf(state, command.resourceId);
      const disable = command.type === 'DisableResource';
      if ((resource.status === 'disabled') === disable) return [];
      return [{ type: disable ? 'ResourceDisabled' : 'ResourceEnabled', data: refOf(organizationId, resource, disable ? 'disabled' : 'active') }];
    }

    case 'DeleteResource': {
      authorize(state, command.actor, 'resources.manage');
      active(state);
      const resource = resourceOf(state, command.resourceId);
      return [{ type: 'ResourceDeleted', data: refOf(organizationId, resource) }];
    }

    default:
      return assertNever(command);
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationEvent, OrganizationState> = {
  initialState: initialOrganizationState,
  evolve: evolveOrganization,
  decide: decideOrganization,
};

/** snapshots of the organization's fold (Maps as entry arrays): a 100k-member organization loads from the last one */
export const organizationSnapshots: SnapshotPolicy<OrganizationState> = {
  every: 1000,
  version: 1,
  toJSON: (state) => ({
    ...state,
    members: [...state.members.entries()],
    memberByEmail: [...state.memberByEmail.entries()],
    invitations: [...state.invitations.entries()],
    pendingByEmail: [...state.pendingByEmail.entries()],
    resources: [...state.resources.entries()],
  }),
  fromJSON: (raw) => {
    const data = raw as Record<string, unknown> & Record<'members' | 'memberByEmail' | 'invitations' | 'pendingByEmail' | 'resources', [string, never][]>;
    return {
      ...(data as unknown as OrganizationState),
      members: new Map(data.members),
      memberByEmail: new Map(data.memberByEmail),
      invitations: new Map(data.invitations),
      pendingByEmail: new Map(data.pendingByEmail),
      resources: new Map(data.resources),
    };
  },
};
