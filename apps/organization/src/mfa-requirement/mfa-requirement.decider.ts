import { DomainError } from '@lib/eventstore';
import { assertRoleGrants } from '@lib/auth';
import type { Actor, MfaRequirementCommand } from '../organizations/organization.commands';
import type { OrganizationState } from '../organizations/organization.state';

/**
 * "This organization requires MFA": an Admin's setting on the organization's own stream. Members whose session
 * did not pass a second factor (no `mfa` in the access token's `amr`, docs/mfa.md) get no token scoped to it from
 * identity, and /v1/authz/check and /v1/authz/forward deny them with reason `mfa-required`.
 */
export type MfaRequirementEvent = { type: 'OrganizationMfaRequirementChanged'; data: { organizationId: string; required: boolean } };
export type { MfaRequirementCommand } from '../organizations/organization.commands';

export function decideMfaRequirement(command: MfaRequirementCommand & { actor: Actor }, state: OrganizationState): MfaRequirementEvent[] {
  if (command.actor.kind === 'user') assertRoleGrants(state.members.get(command.actor.userId)?.role, 'organization.manage');
  if (state.status === 'suspended') {
    throw new DomainError('conflict', 'the organization is suspended; no change is accepted until it is reactivated', 'organization-suspended');
  }
  if ((state.mfaRequired ?? false) === command.required) return [];
  if (command.required && command.actor.kind === 'user' && !command.actorMfa) {
    throw new DomainError('forbidden', 'sign in with a second factor yourself before requiring it of every member', 'mfa-required');
  }
  return [{ type: 'OrganizationMfaRequirementChanged', data: { organizationId: state.id, required: command.required } }];
}

export function evolveMfaRequirement(state: OrganizationState, event: MfaRequirementEvent): OrganizationState {
  state.mfaRequired = event.data.required;
  return state;
}

/** a user working in an organization that requires MFA must hold a token from a sign-in that passed it */
export function assertMfaSatisfied(state: OrganizationState, principal: { kind: string; mfa?: boolean }) {
  if (principal.kind === 'user' && state.mfaRequired && !principal.mfa) {
    throw new DomainError('forbidden', 'this organization requires a second factor: sign in with MFA (enrol at POST /v1/me/mfa/totp)', 'mfa-required');
  }
}
