import { DomainError, assertNever } from '@lib/eventstore';
import { decideMfaRequirement } from '../mfa-requirement/mfa-requirement.decider';
import type { LifecycleCommand } from './organization.commands';
import type { OrganizationState } from './organization.state';
import type { LifecycleEvent, OrganizationEvent } from './organization.events';
import { active, authorize, operatorOnly, organizationNotFound } from './organization.rules';

/** provisioning (the organization, its key and its first Admin or their invitation), renaming, suspension */
export function decideLifecycle(command: LifecycleCommand, state: OrganizationState): OrganizationEvent[] {
  if (command.type === 'ProvisionOrganization') return provision(command, state);
  if (!state.exists) throw organizationNotFound();
  return decideExisting(command, state);
}

function provision(command: Extract<LifecycleCommand, { type: 'ProvisionOrganization' }>, state: OrganizationState): OrganizationEvent[] {
  operatorOnly(command.actor);
  if (state.exists) throw new DomainError('conflict', 'the organization already exists', 'organization-exists');
  const { organizationId, name, region, admin } = command;
  const provisioned: OrganizationEvent = { type: 'OrganizationProvisioned', data: { organizationId, name, region } };
  const keyIssued: OrganizationEvent = { type: 'OrganizationKeyIssued', data: { organizationId, wrappedKey: command.wrappedKey } };
  if (admin.userId) {
    return [
      provisioned,
      keyIssued,
      { type: 'MemberAdded', data: { organizationId, userId: admin.userId, email: admin.email, role: 'Admin', via: 'provisioning' } },
    ];
  }
  return [
    provisioned,
    keyIssued,
    {
      type: 'InvitationCreated',
      data: { organizationId, invitationId: command.invitationId, email: admin.email, role: 'Admin', expiresAt: command.invitationExpiresAt },
    },
  ];
}

function decideExisting(command: Exclude<LifecycleCommand, { type: 'ProvisionOrganization' }>, state: OrganizationState): LifecycleEvent[] {
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

    case 'SetMfaRequirement':
      return decideMfaRequirement(command, state);
    case 'ReactivateOrganization':
      operatorOnly(command.actor);
      if (state.status === 'active') return [];
      return [{ type: 'OrganizationReactivated', data: { organizationId } }];

    default:
      return assertNever(command);
  }
}
