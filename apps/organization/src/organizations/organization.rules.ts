import { DomainError } from '@lib/eventstore';
import { assertRoleGrants, Permission } from '@lib/auth';
import { Role } from '@lib/contracts';
import type { Actor } from './organization.commands';
import type { OrganizationState } from './organization.state';

/** the checks every command group shares: who may, and whether the organization takes changes */

export const organizationNotFound = () => new DomainError('not_found', 'organization not found', 'organization-not-found');

/** the actor's current role in this organization, or null */
export function roleOf(state: OrganizationState, actor: Actor): Role | null {
  if (actor.kind === 'apiKey') return actor.role;
  return actor.kind === 'user' ? (state.members.get(actor.userId)?.role ?? null) : null;
}

/** the operator and the system act on any organization; a user by their current role (libs/auth's policy) */
export function authorize(state: OrganizationState, actor: Actor, permission: Permission) {
  if (actor.kind === 'operator' || actor.kind === 'system') return;
  assertRoleGrants(roleOf(state, actor), permission);
}

export function operatorOnly(actor: Actor) {
  if (actor.kind !== 'operator') throw new DomainError('forbidden', 'only an operator may do this', 'operator-only');
}

/** a suspended organization accepts no change until it is reactivated */
export function active(state: OrganizationState) {
  if (state.status === 'suspended') {
    throw new DomainError('conflict', 'the organization is suspended; no change is accepted until it is reactivated', 'organization-suspended');
  }
}
