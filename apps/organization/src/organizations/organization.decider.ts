import { Decider, SnapshotPolicy, assertNever } from '@lib/eventstore';
import { OrganizationEvent } from './organization.events';
import { evolveOrganization, initialOrganizationState, OrganizationState } from './organization.state';
import { isLifecycleCommand, isMembershipCommand, isResourceCommand, OrganizationCommand } from './organization.commands';
import { decideLifecycle } from './organization.lifecycle';
import { decideMembership } from './organization.membership';
import { decideResources } from './organization.resources';

export type { Actor, OrganizationCommand } from './organization.commands';
export { roleOf } from './organization.rules';
export { evolveOrganization, initialOrganizationState } from './organization.state';
export type { Invitation, Member, OrganizationState, Resource } from './organization.state';

/** the dispatcher: each command group is decided in its own file; a command of no group does not compile */
export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  if (isLifecycleCommand(command)) return decideLifecycle(command, state);
  if (isMembershipCommand(command)) return decideMembership(command, state);
  if (isResourceCommand(command)) return decideResources(command, state);
  return assertNever(command);
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
