import { Role } from '@lib/contracts';
import { DomainError } from '@lib/eventstore';
import { can, Permission } from './permissions';

/**
 * The one authorization policy: a user may do something in an organization when the organization exists,
 * they are a member now, and their current role grants the permission. Used by the deciders (under the
 * organization's lock), the services, the @OrgPermission guard and POST /v1/authz/check.
 */
export type AccessReason = 'unknown-organization' | 'not-a-member' | 'organization-suspended' | 'mfa-required' | 'permission-denied';
export type AccessDecision = { allowed: true; role: Role } | { allowed: false; role: Role | null; reason: AccessReason };

/** what the policy needs to know of an organization, whichever service's model holds it */
export interface OrganizationAccessFacts {
  exists: boolean;
  suspended: boolean;
  /** the user's current role, or null when they are not a member */
  role: Role | null;
  /** the organization requires a second factor, and whether the caller's session passed one (token `amr`) */
  mfaRequired?: boolean;
  mfa?: boolean;
}

/** the decision of /v1/authz/check: a suspended organization grants nothing */
export function decideAccess(facts: OrganizationAccessFacts, permission: Permission): AccessDecision {
  if (!facts.exists) return { allowed: false, role: null, reason: 'unknown-organization' };
  if (!facts.role) return { allowed: false, role: null, reason: 'not-a-member' };
  if (facts.suspended) return { allowed: false, role: facts.role, reason: 'organization-suspended' };
  if (facts.mfaRequired && !facts.mfa) return { allowed: false, role: facts.role, reason: 'mfa-required' };
  if (!can(facts.role, permission)) return { allowed: false, role: facts.role, reason: 'permission-denied' };
  return { allowed: true, role: facts.role };
}

export const notAMember = () => new DomainError('forbidden', 'you are not a member of this organization', 'not-a-member');

/** refuses a user whose current role (null: not a member) does not grant the permission */
export function assertRoleGrants(role: Role | null | undefined, permission: Permission): asserts role is Role {
  if (!role) throw notAMember();
  if (!can(role, permission)) {
    throw new DomainError('forbidden', `the ${role} role does not grant ${permission}`, 'permission-denied', { permission, role });
  }
}
