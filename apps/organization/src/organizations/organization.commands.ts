import { Region, ResourceType, Role } from '@lib/contracts';
import type { Sealed } from '../resources/secret-box';
import type { ResourceData } from './organization.events';

/** who asks: the operator, or a user (their current role is read from the state, never from a token) */
export type Actor =
  | { kind: 'operator' }
  | { kind: 'user'; userId: string; email: string }
  | { kind: 'system' }
  /** an organization API key: its fixed role, in its own organization only (checked before the command) */
  | { kind: 'apiKey'; keyId: string; role: Role };

/** every command carries its time and actor: the decider reads no clock and trusts no token */
type Envelope = { at: string; actor: Actor };

/** `actorMfa`: the Admin's own session passed a second factor (so turning it on cannot lock them out); mfa-requirement/ decides it */
export type MfaRequirementCommand = { type: 'SetMfaRequirement'; required: boolean; actorMfa: boolean };

/** the organization's own life */
export type LifecycleCommand = Envelope &
  (
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
    | { type: 'RenameOrganization'; name: string }
    | { type: 'SuspendOrganization'; reason: string }
    | { type: 'ReactivateOrganization' }
    | MfaRequirementCommand
  );

/** who belongs to it */
export type MembershipCommand = Envelope &
  (
    | { type: 'InviteMember'; invitationId: string; email: string; role: Role; expiresAt: string }
    | { type: 'RevokeInvitation'; invitationId: string }
    | { type: 'AcceptInvitation'; invitationId: string; userId: string; email: string }
    | { type: 'DeclineInvitation'; invitationId: string; userId: string; email: string }
    | { type: 'ResendInvitation'; invitationId: string; expiresAt: string; sendId: string }
    | { type: 'ChangeMemberRole'; userId: string; role: Role }
    /** `accountDeleted`: the user deleted their account (identity's UserDeleted); the system removes them even as the last Admin */
    | { type: 'RemoveMember'; userId: string; accountDeleted?: boolean }
  );

/** the changeable part of a resource */
export type ResourceChanges = Partial<Pick<ResourceData, 'name' | 'config' | 'secret' | 'capabilities'>>;

/**
 * What it owns. `resourceType`, when set, is the collection the caller addressed: a resource of another
 * type is as unknown as a missing one (decided here, under the organization's lock).
 */
export type ResourceCommand = Envelope &
  (
    | { type: 'CreateResource'; resource: ResourceData }
    | { type: 'UpdateResource'; resourceId: string; resourceType?: ResourceType; changes: ResourceChanges }
    | { type: 'DisableResource'; resourceId: string; resourceType?: ResourceType }
    | { type: 'EnableResource'; resourceId: string; resourceType?: ResourceType }
    | { type: 'DeleteResource'; resourceId: string; resourceType?: ResourceType }
  );

export type OrganizationCommand = LifecycleCommand | MembershipCommand | ResourceCommand;

export const LIFECYCLE_COMMAND_TYPES = ['ProvisionOrganization', 'RenameOrganization', 'SuspendOrganization', 'ReactivateOrganization', 'SetMfaRequirement'] as const;
export const MEMBERSHIP_COMMAND_TYPES = ['InviteMember', 'RevokeInvitation', 'AcceptInvitation', 'DeclineInvitation', 'ResendInvitation', 'ChangeMemberRole', 'RemoveMember'] as const;
export const RESOURCE_COMMAND_TYPES = ['CreateResource', 'UpdateResource', 'DisableResource', 'EnableResource', 'DeleteResource'] as const;

/** compile-time: each array names exactly its group's command types */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _groups: [
  Same<(typeof LIFECYCLE_COMMAND_TYPES)[number], LifecycleCommand['type']>,
  Same<(typeof MEMBERSHIP_COMMAND_TYPES)[number], MembershipCommand['type']>,
  Same<(typeof RESOURCE_COMMAND_TYPES)[number], ResourceCommand['type']>,
] = [true, true, true];
void _groups;

const inGroup =
  <G extends OrganizationCommand>(types: readonly G['type'][]) =>
  (command: OrganizationCommand): command is G =>
    (types as readonly string[]).includes(command.type);

export const isLifecycleCommand = inGroup<LifecycleCommand>(LIFECYCLE_COMMAND_TYPES);
export const isMembershipCommand = inGroup<MembershipCommand>(MEMBERSHIP_COMMAND_TYPES);
export const isResourceCommand = inGroup<ResourceCommand>(RESOURCE_COMMAND_TYPES);
