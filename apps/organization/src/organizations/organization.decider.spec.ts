import { DomainError } from '@lib/eventstore';
import { DeciderSpecification, emits, nothing, refused } from '@lib/eventstore/testing/decider-specification';
import { Role } from '@lib/contracts';
import {
  Actor,
  OrganizationCommand,
  decideOrganization,
  evolveOrganization,
  initialOrganizationState,
  organizationDecider,
} from './organization.decider';
import { OrganizationEvent } from './organization.events';

/*
 * given (prior events) / when (command) / then (events, or a DomainError kind + code).
 * Timestamps are ISO strings: the decider compares `at` and `expiresAt` as strings.
 */

// ---------------------------------------------------------------- fixtures

const ORG = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';

const PROVISIONED_AT = '2025-03-01T09:00:00.000Z';
const PAST = '2025-03-05T00:00:00.000Z'; // before NOW: an invitation expiring here is expired
const NOW = '2025-03-10T12:00:00.000Z';
const LATER = '2025-03-17T12:00:00.000Z'; // after NOW: an invitation expiring here is still valid

interface Person {
  userId: string;
  email: string;
}
const alice: Person = { userId: 'u-alice', email: 'alice@acme.test' }; // Admin (provisioning)
const bob: Person = { userId: 'u-bob', email: 'bob@acme.test' }; // Developer
const carol: Person = { userId: 'u-carol', email: 'carol@acme.test' }; // Agent
const dave: Person = { userId: 'u-dave', email: 'dave@acme.test' }; // second Admin, in some histories
const eve: Person = { userId: 'u-eve', email: 'eve@outside.test' }; // never a member
const frank: Person = { userId: 'u-frank', email: 'frank@acme.test' }; // invited in some histories

const operator: Actor = { kind: 'operator' };
const system: Actor = { kind: 'system' };
const as = (p: Person): Actor => ({ kind: 'user', userId: p.userId, email: p.email });

// ---------------------------------------------------------------- events

const provisioned = (name = 'Acme'): OrganizationEvent => ({
  type: 'OrganizationProvisioned',
  data: { organizationId: ORG, name, region: 'eu' },
});
const renamed = (name: string, previousName: string): OrganizationEvent => ({
  type: 'OrganizationRenamed',
  data: { organizationId: ORG, name, previousName },
});
const suspended = (reason = 'unpaid invoices'): OrganizationEvent => ({
  type: 'OrganizationSuspended',
  data: { organizationId: ORG, reason },
});
const reactivated = (): OrganizationEvent => ({ type: 'OrganizationReactivated', data: { organizationId: ORG } });
const invited = (invitationId: string, email: string, role: Role, expiresAt = LATER): OrganizationEvent => ({
  type: 'InvitationCreated',
  data: { organizationId: ORG, invitationId, email, role, expiresAt },
});
const revoked = (invitationId: string, email: string): OrganizationEvent => ({
  type: 'InvitationRevoked',
  data: { organizationId: ORG, invitationId, email },
});
const accepted = (invitationId: string, p: Person): OrganizationEvent => ({
  type: 'InvitationAccepted',
  data: { organizationId: ORG, invitationId, email: p.email, userId: p.userId },
});
const added = (p: Person, role: Role, via: 'provisioning' | 'invitation' = 'invitation'): OrganizationEvent => ({
  type: 'MemberAdded',
  data: { organizationId: ORG, userId: p.userId, email: p.email, role, via },
});
const roleChanged = (p: Person, from: Role, to: Role): OrganizationEvent => ({
  type: 'MemberRoleChanged',
  data: { organizationId: ORG, userId: p.userId, from, to },
});
const removed = (p: Person, role: Role, by: 'admin' | 'self' | 'account-deleted'): OrganizationEvent => ({
  type: 'MemberRemoved',
  data: { organizationId: ORG, userId: p.userId, email: p.email, role, by },
});
/** the three events of a member joining through an invitation */
const joined = (invitationId: string, p: Person, role: Role): OrganizationEvent[] => [
  invited(invitationId, p.email, role),
  accepted(invitationId, p),
  added(p, role),
];

// ---------------------------------------------------------------- histories

/** alice is the only Admin, bob a Developer, carol an Agent */
const ACME: OrganizationEvent[] = [
  provisioned(),
  added(alice, 'Admin', 'provisioning'),
  ...joined('inv-bob', bob, 'Developer'),
  ...joined('inv-carol', carol, 'Agent'),
];
/** ACME plus dave as a second Admin */
const TWO_ADMINS: OrganizationEvent[] = [...ACME, ...joined('inv-dave', dave, 'Admin')];
const SUSPENDED: OrganizationEvent[] = [...ACME, suspended()];
/** ACME plus a pending, unexpired invitation of frank as a Developer */
const FRANK_INVITED: OrganizationEvent[] = [...ACME, invited('inv-frank', frank.email, 'Developer', LATER)];
/** ACME plus an invitation of frank that expired at PAST */
const FRANK_INVITATION_EXPIRED: OrganizationEvent[] = [...ACME, invited('inv-frank', frank.email, 'Developer', PAST)];

// ---------------------------------------------------------------- commands

const WRAPPED_KEY = { iv: 'aXY=', ciphertext: 'Y3Q=', tag: 'dGFn' };

const provision = (
  actor: Actor,
  admin: { email: string; userId: string | null },
  at = PROVISIONED_AT,
): OrganizationCommand => ({
  type: 'ProvisionOrganization',
  actor,
  at,
  organizationId: ORG,
  name: 'Acme',
  region: 'eu',
  admin,
  invitationId: 'inv-admin',
  invitationExpiresAt: LATER,
  wrappedKey: WRAPPED_KEY,
});
const keyIssued = (): OrganizationEvent => ({ type: 'OrganizationKeyIssued', data: { organizationId: ORG, wrappedKey: WRAPPED_KEY } });
const rename = (actor: Actor, name: string, at = NOW): OrganizationCommand => ({ type: 'RenameOrganization', actor, at, name });
const suspend = (actor: Actor, reason = 'unpaid invoices', at = NOW): OrganizationCommand => ({
  type: 'SuspendOrganization',
  actor,
  at,
  reason,
});
const reactivate = (actor: Actor, at = NOW): OrganizationCommand => ({ type: 'ReactivateOrganization', actor, at });
const invite = (actor: Actor, invitationId: string, email: string, role: Role, expiresAt = LATER, at = NOW): OrganizationCommand => ({
  type: 'InviteMember',
  actor,
  at,
  invitationId,
  email,
  role,
  expiresAt,
});
const revoke = (actor: Actor, invitationId: string, at = NOW): OrganizationCommand => ({
  type: 'RevokeInvitation',
  actor,
  at,
  invitationId,
});
const accept = (p: Person, invitationId: string, at = NOW): OrganizationCommand => ({
  type: 'AcceptInvitation',
  actor: as(p),
  at,
  invitationId,
  userId: p.userId,
  email: p.email,
});
const changeRole = (actor: Actor, p: Person, role: Role, at = NOW): OrganizationCommand => ({
  type: 'ChangeMemberRole',
  actor,
  at,
  userId: p.userId,
  role,
});
const remove = (actor: Actor, p: Person, at = NOW): OrganizationCommand => ({ type: 'RemoveMember', actor, at, userId: p.userId });

// ---------------------------------------------------------------- the shared helper

const given = DeciderSpecification.for(organizationDecider);
const run = given.run;
const fold = given.fold;

describe('the given/when helper on this decider', () => {
  it('tells events from refusals, so a wrong expectation fails', () => {
    expect(given([]).when(rename(operator, 'x')).outcome).not.toEqual(nothing);
    expect(given(ACME).when(rename(as(alice), 'Acme')).outcome).not.toEqual(refused('conflict', 'organization-suspended'));
  });

  it('rethrows anything that is not a DomainError', () => {
    const bogus = { type: 'Nope', actor: operator, at: NOW } as unknown as OrganizationCommand;
    expect(() => given(ACME).when(bogus)).toThrow('unhandled variant');
  });
});

// ---------------------------------------------------------------- decide

describe('ProvisionOrganization', () => {
  run([
    {
      name: 'with an existing user: the org and that user as Admin via provisioning',
      given: [],
      when: provision(operator, { email: alice.email, userId: alice.userId }),
      then: emits(provisioned(), keyIssued(), added(alice, 'Admin', 'provisioning')),
    },
    {
      name: 'with an unknown user: the org and an Admin invitation',
      given: [],
      when: provision(operator, { email: 'founder@new.test', userId: null }),
      then: emits(provisioned(), keyIssued(), invited('inv-admin', 'founder@new.test', 'Admin', LATER)),
    },
    {
      name: 'by a user → forbidden operator-only',
      given: [],
      when: provision(as(alice), { email: alice.email, userId: alice.userId }),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'by the system → forbidden operator-only',
      given: [],
      when: provision(system, { email: alice.email, userId: alice.userId }),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'twice → conflict organization-exists',
      given: ACME,
      when: provision(operator, { email: eve.email, userId: eve.userId }),
      then: refused('conflict', 'organization-exists'),
    },
    {
      name: 'twice, the first one still waiting for its Admin → conflict organization-exists',
      given: [provisioned(), invited('inv-admin', 'founder@new.test', 'Admin')],
      when: provision(operator, { email: 'founder@new.test', userId: null }),
      then: refused('conflict', 'organization-exists'),
    },
    {
      name: 'twice by a user → operator-only is checked first',
      given: ACME,
      when: provision(as(alice), { email: alice.email, userId: alice.userId }),
      then: refused('forbidden', 'operator-only'),
    },
  ]);
});

describe('any command on an organization that does not exist', () => {
  const commands: OrganizationCommand[] = [
    rename(operator, 'Acme'),
    suspend(operator),
    reactivate(operator),
    invite(operator, 'inv-x', frank.email, 'Agent'),
    revoke(operator, 'inv-x'),
    accept(frank, 'inv-x'),
    changeRole(operator, bob, 'Admin'),
    remove(operator, bob),
    remove(as(bob), bob),
    rename(as(alice), 'Acme'),
  ];
  it('covers every command type but provisioning', () => {
    const types = new Set(commands.map((c) => c.type));
    expect([...types].sort()).toEqual(
      [
        'AcceptInvitation',
        'ChangeMemberRole',
        'InviteMember',
        'ReactivateOrganization',
        'RemoveMember',
        'RenameOrganization',
        'RevokeInvitation',
        'SuspendOrganization',
      ].sort(),
    );
  });
  it.each(commands.map((command) => ({ type: command.type, actor: command.actor.kind, command })))(
    '$type by $actor → not_found organization-not-found',
    ({ command }) => {
      given([]).when(command).thenThrows('not_found', 'organization-not-found');
    },
  );
});

describe('RenameOrganization', () => {
  run([
    {
      name: 'by an Admin → renamed, with the previous name',
      given: ACME,
      when: rename(as(alice), 'Acme Corp'),
      then: emits(renamed('Acme Corp', 'Acme')),
    },
    {
      name: 'by the operator → renamed',
      given: ACME,
      when: rename(operator, 'Acme Corp'),
      then: emits(renamed('Acme Corp', 'Acme')),
    },
    {
      name: 'by the system → renamed',
      given: ACME,
      when: rename(system, 'Acme Corp'),
      then: emits(renamed('Acme Corp', 'Acme')),
    },
    {
      name: 'a second time: previousName is the current name',
      given: [...ACME, renamed('Acme Corp', 'Acme')],
      when: rename(as(alice), 'Acme Inc'),
      then: emits(renamed('Acme Inc', 'Acme Corp')),
    },
    {
      name: 'to the same name → no event',
      given: ACME,
      when: rename(as(alice), 'Acme'),
      then: nothing,
    },
    {
      name: 'back to the original name after a rename → renamed',
      given: [...ACME, renamed('Acme Corp', 'Acme')],
      when: rename(as(alice), 'Acme'),
      then: emits(renamed('Acme', 'Acme Corp')),
    },
    {
      name: 'by a Developer → forbidden permission-denied',
      given: ACME,
      when: rename(as(bob), 'Acme Corp'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by an Agent → forbidden permission-denied',
      given: ACME,
      when: rename(as(carol), 'Acme Corp'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a non-member → forbidden not-a-member',
      given: ACME,
      when: rename(as(eve), 'Acme Corp'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'by a demoted former Admin → forbidden permission-denied (role read from the state)',
      given: [...TWO_ADMINS, roleChanged(dave, 'Admin', 'Developer')],
      when: rename(as(dave), 'Acme Corp'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a removed former Admin → forbidden not-a-member',
      given: [...TWO_ADMINS, removed(dave, 'Admin', 'admin')],
      when: rename(as(dave), 'Acme Corp'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'by a promoted Developer → renamed',
      given: [...ACME, roleChanged(bob, 'Developer', 'Admin')],
      when: rename(as(bob), 'Acme Corp'),
      then: emits(renamed('Acme Corp', 'Acme')),
    },
    {
      name: 'while suspended → conflict organization-suspended',
      given: SUSPENDED,
      when: rename(as(alice), 'Acme Corp'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, by the operator → conflict organization-suspended',
      given: SUSPENDED,
      when: rename(operator, 'Acme Corp'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, to the same name → conflict organization-suspended (checked before the no-op)',
      given: SUSPENDED,
      when: rename(as(alice), 'Acme'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, by a Developer → forbidden permission-denied (authorization first)',
      given: SUSPENDED,
      when: rename(as(bob), 'Acme Corp'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'after reactivation → renamed',
      given: [...SUSPENDED, reactivated()],
      when: rename(as(alice), 'Acme Corp'),
      then: emits(renamed('Acme Corp', 'Acme')),
    },
  ]);

  it('permission-denied carries the permission and the role', () => {
    const error = given(ACME).when(rename(as(bob), 'Acme Corp')).refusal();
    expect(error.details).toEqual({ permission: 'organization.manage', role: 'Developer' });
  });
});

describe('SuspendOrganization', () => {
  run([
    {
      name: 'by the operator → suspended with the reason',
      given: ACME,
      when: suspend(operator, 'abuse report #42'),
      then: emits(suspended('abuse report #42')),
    },
    {
      name: 'already suspended → no event',
      given: SUSPENDED,
      when: suspend(operator, 'again'),
      then: nothing,
    },
    {
      name: 'suspended again after a reactivation → suspended',
      given: [...SUSPENDED, reactivated()],
      when: suspend(operator, 'again'),
      then: emits(suspended('again')),
    },
    {
      name: 'by an Admin → forbidden operator-only',
      given: ACME,
      when: suspend(as(alice)),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'by a non-member → forbidden operator-only',
      given: ACME,
      when: suspend(as(eve)),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'by the system → forbidden operator-only',
      given: ACME,
      when: suspend(system),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'already suspended, by an Admin → forbidden operator-only (checked before the no-op)',
      given: SUSPENDED,
      when: suspend(as(alice)),
      then: refused('forbidden', 'operator-only'),
    },
  ]);
});

describe('ReactivateOrganization', () => {
  run([
    {
      name: 'suspended, by the operator → reactivated',
      given: SUSPENDED,
      when: reactivate(operator),
      then: emits(reactivated()),
    },
    {
      name: 'already active → no event',
      given: ACME,
      when: reactivate(operator),
      then: nothing,
    },
    {
      name: 'already reactivated → no event',
      given: [...SUSPENDED, reactivated()],
      when: reactivate(operator),
      then: nothing,
    },
    {
      name: 'by an Admin → forbidden operator-only',
      given: SUSPENDED,
      when: reactivate(as(alice)),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'by the system → forbidden operator-only',
      given: SUSPENDED,
      when: reactivate(system),
      then: refused('forbidden', 'operator-only'),
    },
    {
      name: 'active, by an Admin → forbidden operator-only (checked before the no-op)',
      given: ACME,
      when: reactivate(as(alice)),
      then: refused('forbidden', 'operator-only'),
    },
  ]);
});

describe('InviteMember', () => {
  run([
    {
      name: 'by an Admin → invitation created with its role and expiry',
      given: ACME,
      when: invite(as(alice), 'inv-frank', frank.email, 'Developer', LATER),
      then: emits(invited('inv-frank', frank.email, 'Developer', LATER)),
    },
    {
      name: 'as Admin, by the operator → invitation created',
      given: ACME,
      when: invite(operator, 'inv-frank', frank.email, 'Admin', LATER),
      then: emits(invited('inv-frank', frank.email, 'Admin', LATER)),
    },
    {
      name: 'an email that is already a member → conflict already-member',
      given: ACME,
      when: invite(as(alice), 'inv-x', bob.email, 'Admin'),
      then: refused('conflict', 'already-member'),
    },
    {
      name: 'the provisioned Admin → conflict already-member',
      given: ACME,
      when: invite(operator, 'inv-x', alice.email, 'Agent'),
      then: refused('conflict', 'already-member'),
    },
    {
      name: 'an email with a pending unexpired invitation → conflict invitation-pending',
      given: FRANK_INVITED,
      when: invite(as(alice), 'inv-frank-2', frank.email, 'Agent'),
      then: refused('conflict', 'invitation-pending'),
    },
    {
      name: 'an email whose pending invitation has expired → invitation created',
      given: FRANK_INVITATION_EXPIRED,
      when: invite(as(alice), 'inv-frank-2', frank.email, 'Agent', LATER),
      then: emits(invited('inv-frank-2', frank.email, 'Agent', LATER)),
    },
    {
      name: 'an email whose pending invitation expires exactly now → invitation created',
      given: [...ACME, invited('inv-frank', frank.email, 'Developer', NOW)],
      when: invite(as(alice), 'inv-frank-2', frank.email, 'Agent', LATER, NOW),
      then: emits(invited('inv-frank-2', frank.email, 'Agent', LATER)),
    },
    {
      name: 'an email whose pending invitation expires a millisecond later → conflict invitation-pending',
      given: [...ACME, invited('inv-frank', frank.email, 'Developer', '2025-03-10T12:00:00.001Z')],
      when: invite(as(alice), 'inv-frank-2', frank.email, 'Agent', LATER, NOW),
      then: refused('conflict', 'invitation-pending'),
    },
    {
      name: 'an email whose invitation was revoked → invitation created',
      given: [...FRANK_INVITED, revoked('inv-frank', frank.email)],
      when: invite(as(alice), 'inv-frank-2', frank.email, 'Agent'),
      then: emits(invited('inv-frank-2', frank.email, 'Agent', LATER)),
    },
    {
      name: 'a re-invitation that is itself pending → conflict invitation-pending',
      given: [...FRANK_INVITATION_EXPIRED, invited('inv-frank-2', frank.email, 'Agent', LATER)],
      when: invite(as(alice), 'inv-frank-3', frank.email, 'Agent'),
      then: refused('conflict', 'invitation-pending'),
    },
    {
      name: 'a former member (removed) → invitation created',
      given: [...ACME, removed(bob, 'Developer', 'admin')],
      when: invite(as(alice), 'inv-bob-2', bob.email, 'Agent'),
      then: emits(invited('inv-bob-2', bob.email, 'Agent', LATER)),
    },
    {
      name: 'another email while someone else is pending → invitation created',
      given: FRANK_INVITED,
      when: invite(as(alice), 'inv-eve', eve.email, 'Agent'),
      then: emits(invited('inv-eve', eve.email, 'Agent', LATER)),
    },
    {
      name: 'by a Developer → forbidden permission-denied',
      given: ACME,
      when: invite(as(bob), 'inv-frank', frank.email, 'Agent'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by an Agent → forbidden permission-denied',
      given: ACME,
      when: invite(as(carol), 'inv-frank', frank.email, 'Agent'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a non-member → forbidden not-a-member',
      given: ACME,
      when: invite(as(eve), 'inv-frank', frank.email, 'Agent'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'while suspended → conflict organization-suspended',
      given: SUSPENDED,
      when: invite(as(alice), 'inv-frank', frank.email, 'Agent'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, an existing member → conflict organization-suspended (checked first)',
      given: SUSPENDED,
      when: invite(as(alice), 'inv-x', bob.email, 'Agent'),
      then: refused('conflict', 'organization-suspended'),
    },
  ]);

  it('invitation-pending names the pending invitation (the latest one)', () => {
    const error = given([...FRANK_INVITATION_EXPIRED, invited('inv-frank-2', frank.email, 'Agent', LATER)]).when(invite(as(alice), 'inv-frank-3', frank.email, 'Agent')).refusal();
    expect(error.code).toBe('invitation-pending');
    expect(error.details).toEqual({ invitationId: 'inv-frank-2' });
  });

  it('permission-denied names members.manage', () => {
    const error = given(ACME).when(invite(as(carol), 'inv-frank', frank.email, 'Agent')).refusal();
    expect(error.details).toEqual({ permission: 'members.manage', role: 'Agent' });
  });
});

describe('RevokeInvitation', () => {
  run([
    {
      name: 'a pending invitation, by an Admin → revoked',
      given: FRANK_INVITED,
      when: revoke(as(alice), 'inv-frank'),
      then: emits(revoked('inv-frank', frank.email)),
    },
    {
      name: 'a pending invitation, by the operator → revoked',
      given: FRANK_INVITED,
      when: revoke(operator, 'inv-frank'),
      then: emits(revoked('inv-frank', frank.email)),
    },
    {
      name: 'the provisioning Admin invitation, by the operator → revoked',
      given: [provisioned(), invited('inv-admin', 'founder@new.test', 'Admin')],
      when: revoke(operator, 'inv-admin'),
      then: emits(revoked('inv-admin', 'founder@new.test')),
    },
    {
      name: 'an expired (still pending) invitation → revoked',
      given: FRANK_INVITATION_EXPIRED,
      when: revoke(as(alice), 'inv-frank'),
      then: emits(revoked('inv-frank', frank.email)),
    },
    {
      name: 'an unknown invitation → not_found invitation-not-found',
      given: FRANK_INVITED,
      when: revoke(as(alice), 'inv-nope'),
      then: refused('not_found', 'invitation-not-found'),
    },
    {
      name: 'a revoked invitation → conflict invitation-not-pending',
      given: [...FRANK_INVITED, revoked('inv-frank', frank.email)],
      when: revoke(as(alice), 'inv-frank'),
      then: refused('conflict', 'invitation-not-pending'),
    },
    {
      name: 'an accepted invitation → conflict invitation-not-pending',
      given: ACME,
      when: revoke(as(alice), 'inv-bob'),
      then: refused('conflict', 'invitation-not-pending'),
    },
    {
      name: 'by a Developer → forbidden permission-denied',
      given: FRANK_INVITED,
      when: revoke(as(bob), 'inv-frank'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by an Agent → forbidden permission-denied',
      given: FRANK_INVITED,
      when: revoke(as(carol), 'inv-frank'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by the invitee (a non-member) → forbidden not-a-member',
      given: FRANK_INVITED,
      when: revoke(as(frank), 'inv-frank'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'while suspended → conflict organization-suspended',
      given: [...FRANK_INVITED, suspended()],
      when: revoke(as(alice), 'inv-frank'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, an unknown invitation → conflict organization-suspended (checked first)',
      given: SUSPENDED,
      when: revoke(as(alice), 'inv-nope'),
      then: refused('conflict', 'organization-suspended'),
    },
  ]);
});

describe('AcceptInvitation', () => {
  run([
    {
      name: 'by the invitee → accepted, then a member with the invitation role',
      given: FRANK_INVITED,
      when: accept(frank, 'inv-frank'),
      then: emits(accepted('inv-frank', frank), added(frank, 'Developer', 'invitation')),
    },
    {
      name: 'an Agent invitation → a member as Agent',
      given: [...ACME, invited('inv-frank', frank.email, 'Agent')],
      when: accept(frank, 'inv-frank'),
      then: emits(accepted('inv-frank', frank), added(frank, 'Agent', 'invitation')),
    },
    {
      name: 'the provisioning Admin invitation → a member as Admin via invitation',
      given: [provisioned(), invited('inv-admin', 'founder@new.test', 'Admin')],
      when: accept({ userId: 'u-founder', email: 'founder@new.test' }, 'inv-admin'),
      then: emits(
        accepted('inv-admin', { userId: 'u-founder', email: 'founder@new.test' }),
        added({ userId: 'u-founder', email: 'founder@new.test' }, 'Admin', 'invitation'),
      ),
    },
    {
      name: 'a re-invitation after an expired one → accepted',
      given: [...FRANK_INVITATION_EXPIRED, invited('inv-frank-2', frank.email, 'Agent', LATER)],
      when: accept(frank, 'inv-frank-2'),
      then: emits(accepted('inv-frank-2', frank), added(frank, 'Agent', 'invitation')),
    },
    {
      name: 'a former member, re-invited → accepted',
      given: [...ACME, removed(bob, 'Developer', 'self'), invited('inv-bob-2', bob.email, 'Agent')],
      when: accept(bob, 'inv-bob-2'),
      then: emits(accepted('inv-bob-2', bob), added(bob, 'Agent', 'invitation')),
    },
    {
      name: 'by someone with another email → not_found invitation-not-found',
      given: FRANK_INVITED,
      when: accept(eve, 'inv-frank'),
      then: refused('not_found', 'invitation-not-found'),
    },
    {
      name: 'an unknown invitation → not_found invitation-not-found',
      given: FRANK_INVITED,
      when: accept(frank, 'inv-nope'),
      then: refused('not_found', 'invitation-not-found'),
    },
    {
      name: 'a revoked invitation → forbidden invitation-revoked',
      given: [...FRANK_INVITED, revoked('inv-frank', frank.email)],
      when: accept(frank, 'inv-frank'),
      then: refused('forbidden', 'invitation-revoked'),
    },
    {
      name: 'a revoked and expired invitation → forbidden invitation-revoked',
      given: [...FRANK_INVITATION_EXPIRED, revoked('inv-frank', frank.email)],
      when: accept(frank, 'inv-frank'),
      then: refused('forbidden', 'invitation-revoked'),
    },
    {
      name: 'an expired invitation → gone invitation-expired',
      given: FRANK_INVITATION_EXPIRED,
      when: accept(frank, 'inv-frank'),
      then: refused('gone', 'invitation-expired'),
    },
    {
      name: 'an invitation expiring exactly now → gone invitation-expired',
      given: [...ACME, invited('inv-frank', frank.email, 'Developer', NOW)],
      when: accept(frank, 'inv-frank', NOW),
      then: refused('gone', 'invitation-expired'),
    },
    {
      name: 'an invitation expiring a millisecond later → accepted',
      given: [...ACME, invited('inv-frank', frank.email, 'Developer', '2025-03-10T12:00:00.001Z')],
      when: accept(frank, 'inv-frank', NOW),
      then: emits(accepted('inv-frank', frank), added(frank, 'Developer', 'invitation')),
    },
    {
      name: 'the superseded, expired invitation after a re-invitation → gone invitation-expired',
      given: [...FRANK_INVITATION_EXPIRED, invited('inv-frank-2', frank.email, 'Agent', LATER)],
      when: accept(frank, 'inv-frank'),
      then: refused('gone', 'invitation-expired'),
    },
    {
      name: 'an already accepted invitation → conflict already-member',
      given: ACME,
      when: accept(bob, 'inv-bob'),
      then: refused('conflict', 'already-member'),
    },
    {
      name: 'an invitation to a second email of someone already a member → conflict already-member',
      given: [...ACME, invited('inv-bob-home', 'bob@home.test', 'Admin')],
      when: accept({ userId: bob.userId, email: 'bob@home.test' }, 'inv-bob-home'),
      then: refused('conflict', 'already-member'),
    },
    {
      name: 'while suspended → conflict organization-suspended',
      given: [...FRANK_INVITED, suspended()],
      when: accept(frank, 'inv-frank'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, by someone with another email → not_found invitation-not-found (checked first)',
      given: [...FRANK_INVITED, suspended()],
      when: accept(eve, 'inv-frank'),
      then: refused('not_found', 'invitation-not-found'),
    },
    {
      name: 'after reactivation → accepted',
      given: [...FRANK_INVITED, suspended(), reactivated()],
      when: accept(frank, 'inv-frank'),
      then: emits(accepted('inv-frank', frank), added(frank, 'Developer', 'invitation')),
    },
  ]);
});

describe('ChangeMemberRole', () => {
  run([
    {
      name: 'an Admin promotes a Developer → role changed',
      given: ACME,
      when: changeRole(as(alice), bob, 'Admin'),
      then: emits(roleChanged(bob, 'Developer', 'Admin')),
    },
    {
      name: 'an Admin demotes a Developer to Agent → role changed',
      given: ACME,
      when: changeRole(as(alice), bob, 'Agent'),
      then: emits(roleChanged(bob, 'Developer', 'Agent')),
    },
    {
      name: 'the operator promotes an Agent → role changed',
      given: ACME,
      when: changeRole(operator, carol, 'Developer'),
      then: emits(roleChanged(carol, 'Agent', 'Developer')),
    },
    {
      name: 'an unknown member → not_found member-not-found',
      given: ACME,
      when: changeRole(as(alice), eve, 'Developer'),
      then: refused('not_found', 'member-not-found'),
    },
    {
      name: 'a removed member → not_found member-not-found',
      given: [...ACME, removed(bob, 'Developer', 'self')],
      when: changeRole(as(alice), bob, 'Admin'),
      then: refused('not_found', 'member-not-found'),
    },
    {
      name: 'an invitee who has not accepted yet → not_found member-not-found',
      given: FRANK_INVITED,
      when: changeRole(as(alice), frank, 'Admin'),
      then: refused('not_found', 'member-not-found'),
    },
    {
      name: 'to the same role → no event',
      given: ACME,
      when: changeRole(as(alice), bob, 'Developer'),
      then: nothing,
    },
    {
      name: 'the last Admin to Admin → no event (the no-op comes before last-admin)',
      given: ACME,
      when: changeRole(as(alice), alice, 'Admin'),
      then: nothing,
    },
    {
      name: 'demoting the last Admin (herself) → conflict last-admin',
      given: ACME,
      when: changeRole(as(alice), alice, 'Developer'),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'demoting the last Admin, by the operator → conflict last-admin',
      given: ACME,
      when: changeRole(operator, alice, 'Agent'),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'demoting one of two Admins → role changed',
      given: TWO_ADMINS,
      when: changeRole(as(alice), dave, 'Developer'),
      then: emits(roleChanged(dave, 'Admin', 'Developer')),
    },
    {
      name: 'demoting oneself, one of two Admins → role changed',
      given: TWO_ADMINS,
      when: changeRole(as(alice), alice, 'Agent'),
      then: emits(roleChanged(alice, 'Admin', 'Agent')),
    },
    {
      name: 'demoting the other Admin after one was demoted → conflict last-admin',
      given: [...TWO_ADMINS, roleChanged(dave, 'Admin', 'Developer')],
      when: changeRole(operator, alice, 'Developer'),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'demoting the other Admin after one was removed → conflict last-admin',
      given: [...TWO_ADMINS, removed(dave, 'Admin', 'self')],
      when: changeRole(operator, alice, 'Developer'),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'demoting the founder once a Developer was promoted → role changed',
      given: [...ACME, roleChanged(bob, 'Developer', 'Admin')],
      when: changeRole(as(bob), alice, 'Developer'),
      then: emits(roleChanged(alice, 'Admin', 'Developer')),
    },
    {
      name: 'by an Agent → forbidden permission-denied',
      given: ACME,
      when: changeRole(as(carol), carol, 'Admin'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a Developer → forbidden permission-denied',
      given: ACME,
      when: changeRole(as(bob), carol, 'Developer'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'by a non-member → forbidden not-a-member',
      given: ACME,
      when: changeRole(as(eve), bob, 'Admin'),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'by a demoted Admin → forbidden permission-denied',
      given: [...TWO_ADMINS, roleChanged(dave, 'Admin', 'Agent')],
      when: changeRole(as(dave), dave, 'Admin'),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'while suspended → conflict organization-suspended',
      given: SUSPENDED,
      when: changeRole(as(alice), bob, 'Admin'),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, an unknown member → conflict organization-suspended (checked first)',
      given: SUSPENDED,
      when: changeRole(as(alice), eve, 'Admin'),
      then: refused('conflict', 'organization-suspended'),
    },
  ]);
});

describe('RemoveMember after an account deletion (issue 9)', () => {
  const gone = (p: Person): OrganizationCommand => ({ type: 'RemoveMember', actor: system, at: NOW, userId: p.userId, accountDeleted: true });
  run([
    { name: 'a Developer whose account was deleted → removed, by account-deleted', given: ACME, when: gone(bob), then: emits(removed(bob, 'Developer', 'account-deleted')) },
    { name: 'even the last Admin: the account is gone → removed', given: ACME, when: gone(alice), then: emits(removed(alice, 'Admin', 'account-deleted')) },
    { name: 'not a member (a redelivery) → nothing', given: [...ACME, removed(bob, 'Developer', 'account-deleted')], when: gone(bob), then: nothing },
    {
      name: 'the flag from a user is not enough: the last Admin stays → conflict last-admin',
      given: ACME,
      when: { type: 'RemoveMember', actor: as(alice), at: NOW, userId: alice.userId, accountDeleted: true },
      then: refused('conflict', 'last-admin'),
    },
  ]);
});

describe('RemoveMember', () => {
  run([
    {
      name: 'an Agent leaves → removed by self',
      given: ACME,
      when: remove(as(carol), carol),
      then: emits(removed(carol, 'Agent', 'self')),
    },
    {
      name: 'a Developer leaves → removed by self',
      given: ACME,
      when: remove(as(bob), bob),
      then: emits(removed(bob, 'Developer', 'self')),
    },
    {
      name: 'one of two Admins leaves → removed by self',
      given: TWO_ADMINS,
      when: remove(as(alice), alice),
      then: emits(removed(alice, 'Admin', 'self')),
    },
    {
      name: 'a non-member "leaves" → forbidden not-a-member',
      given: ACME,
      when: remove(as(eve), eve),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'a member leaves twice → forbidden not-a-member',
      given: [...ACME, removed(carol, 'Agent', 'self')],
      when: remove(as(carol), carol),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'the last Admin leaves → conflict last-admin',
      given: ACME,
      when: remove(as(alice), alice),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'the last Admin, removed by the operator → conflict last-admin',
      given: ACME,
      when: remove(operator, alice),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'the remaining Admin after the other was demoted → conflict last-admin',
      given: [...TWO_ADMINS, roleChanged(alice, 'Admin', 'Developer')],
      when: remove(as(dave), dave),
      then: refused('conflict', 'last-admin'),
    },
    {
      name: 'an Admin removes a Developer → removed by admin',
      given: ACME,
      when: remove(as(alice), bob),
      then: emits(removed(bob, 'Developer', 'admin')),
    },
    {
      name: 'an Admin removes an Agent → removed by admin',
      given: ACME,
      when: remove(as(alice), carol),
      then: emits(removed(carol, 'Agent', 'admin')),
    },
    {
      name: 'an Admin removes the other Admin → removed by admin',
      given: TWO_ADMINS,
      when: remove(as(alice), dave),
      then: emits(removed(dave, 'Admin', 'admin')),
    },
    {
      name: 'the operator removes a member → removed by admin',
      given: ACME,
      when: remove(operator, bob),
      then: emits(removed(bob, 'Developer', 'admin')),
    },
    {
      name: 'the system removes a member → removed by admin',
      given: ACME,
      when: remove(system, carol),
      then: emits(removed(carol, 'Agent', 'admin')),
    },
    {
      name: 'an Admin removes an unknown user → not_found member-not-found',
      given: ACME,
      when: remove(as(alice), eve),
      then: refused('not_found', 'member-not-found'),
    },
    {
      name: 'an Admin removes an already removed member → not_found member-not-found',
      given: [...ACME, removed(bob, 'Developer', 'self')],
      when: remove(as(alice), bob),
      then: refused('not_found', 'member-not-found'),
    },
    {
      name: 'a Developer removes someone else → forbidden permission-denied',
      given: ACME,
      when: remove(as(bob), carol),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'an Agent removes an Admin → forbidden permission-denied',
      given: ACME,
      when: remove(as(carol), alice),
      then: refused('forbidden', 'permission-denied'),
    },
    {
      name: 'a non-member removes a member → forbidden not-a-member',
      given: ACME,
      when: remove(as(eve), bob),
      then: refused('forbidden', 'not-a-member'),
    },
    {
      name: 'while suspended, an Admin removes a member → conflict organization-suspended',
      given: SUSPENDED,
      when: remove(as(alice), bob),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, a member leaves → conflict organization-suspended',
      given: SUSPENDED,
      when: remove(as(carol), carol),
      then: refused('conflict', 'organization-suspended'),
    },
    {
      name: 'while suspended, a non-member "leaves" → forbidden not-a-member (checked first)',
      given: SUSPENDED,
      when: remove(as(eve), eve),
      then: refused('forbidden', 'not-a-member'),
    },
  ]);
});

// ---------------------------------------------------------------- evolve

describe('evolveOrganization bookkeeping', () => {
  it('starts from an empty, active, non-existent organization', () => {
    const state = initialOrganizationState();
    expect(state).toEqual({
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
    expect(initialOrganizationState()).not.toBe(state);
    expect(initialOrganizationState().members).not.toBe(state.members);
  });

  it('provisioning with a user: the org exists with one Admin', () => {
    const state = given([provisioned(), added(alice, 'Admin', 'provisioning')]).state();
    expect(state.exists).toBe(true);
    expect(state.id).toBe(ORG);
    expect(state.name).toBe('Acme');
    expect(state.region).toBe('eu');
    expect(state.status).toBe('active');
    expect(state.admins).toBe(1);
    expect(state.members).toEqual(new Map([[alice.userId, { ...alice, role: 'Admin' }]]));
    expect(state.memberByEmail).toEqual(new Map([[alice.email, alice.userId]]));
    expect(state.invitations.size).toBe(0);
    expect(state.pendingByEmail.size).toBe(0);
  });

  it('provisioning with an invitation: no Admin yet, one pending invitation', () => {
    const state = given([provisioned(), invited('inv-admin', 'founder@new.test', 'Admin', LATER)]).state();
    expect(state.admins).toBe(0);
    expect(state.members.size).toBe(0);
    expect(state.invitations).toEqual(
      new Map([
        ['inv-admin', { id: 'inv-admin', email: 'founder@new.test', role: 'Admin', expiresAt: LATER, status: 'pending' }],
      ]),
    );
    expect(state.pendingByEmail).toEqual(new Map([['founder@new.test', 'inv-admin']]));
  });

  it('ACME: three members, one Admin, invitations accepted and none pending', () => {
    const state = given(ACME).state();
    expect(state.admins).toBe(1);
    expect([...state.members.values()]).toEqual([
      { ...alice, role: 'Admin' },
      { ...bob, role: 'Developer' },
      { ...carol, role: 'Agent' },
    ]);
    expect(state.memberByEmail).toEqual(
      new Map([
        [alice.email, alice.userId],
        [bob.email, bob.userId],
        [carol.email, carol.userId],
      ]),
    );
    expect(state.invitations.get('inv-bob')?.status).toBe('accepted');
    expect(state.invitations.get('inv-carol')?.status).toBe('accepted');
    expect(state.pendingByEmail.size).toBe(0);
  });

  it.each<{ name: string; events: OrganizationEvent[]; admins: number; roles: Record<string, Role> }>([
    {
      name: 'a second Admin joins → 2',
      events: TWO_ADMINS,
      admins: 2,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Developer', 'u-carol': 'Agent', 'u-dave': 'Admin' },
    },
    {
      name: 'a Developer promoted to Admin → 2',
      events: [...ACME, roleChanged(bob, 'Developer', 'Admin')],
      admins: 2,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Admin', 'u-carol': 'Agent' },
    },
    {
      name: 'promoted then the founder demoted → 1',
      events: [...ACME, roleChanged(bob, 'Developer', 'Admin'), roleChanged(alice, 'Admin', 'Agent')],
      admins: 1,
      roles: { 'u-alice': 'Agent', 'u-bob': 'Admin', 'u-carol': 'Agent' },
    },
    {
      name: 'a change between non-Admin roles → unchanged',
      events: [...ACME, roleChanged(bob, 'Developer', 'Agent'), roleChanged(carol, 'Agent', 'Developer')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Agent', 'u-carol': 'Developer' },
    },
    {
      name: 'an Admin removed → 1',
      events: [...TWO_ADMINS, removed(dave, 'Admin', 'admin')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Developer', 'u-carol': 'Agent' },
    },
    {
      name: 'a Developer removed → unchanged',
      events: [...ACME, removed(bob, 'Developer', 'self')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-carol': 'Agent' },
    },
    {
      name: 'a promoted member removed → back to 1',
      events: [...ACME, roleChanged(carol, 'Agent', 'Admin'), removed(carol, 'Admin', 'self')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Developer' },
    },
    {
      name: 'a role change of an unknown user is ignored',
      events: [...ACME, roleChanged(eve, 'Admin', 'Agent')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Developer', 'u-carol': 'Agent' },
    },
    {
      name: 'a removal of an unknown user is ignored',
      events: [...ACME, removed(eve, 'Admin', 'admin')],
      admins: 1,
      roles: { 'u-alice': 'Admin', 'u-bob': 'Developer', 'u-carol': 'Agent' },
    },
  ])('admins count: $name', ({ events, admins, roles }) => {
    const state = given(events).state();
    expect(state.admins).toBe(admins);
    expect(Object.fromEntries([...state.members.values()].map((m) => [m.userId, m.role]))).toEqual(roles);
  });

  it('memberByEmail follows members added and removed', () => {
    const state = given([...ACME, removed(bob, 'Developer', 'self'), ...joined('inv-frank', frank, 'Agent')]).state();
    expect(state.memberByEmail).toEqual(
      new Map([
        [alice.email, alice.userId],
        [carol.email, carol.userId],
        [frank.email, frank.userId],
      ]),
    );
    expect(state.members.has(bob.userId)).toBe(false);
  });

  it('pendingByEmail is cleared when the invitation is accepted', () => {
    const before = given(FRANK_INVITED).state();
    expect(before.pendingByEmail.get(frank.email)).toBe('inv-frank');
    const after = given([...FRANK_INVITED, accepted('inv-frank', frank), added(frank, 'Developer')]).state();
    expect(after.pendingByEmail.has(frank.email)).toBe(false);
    expect(after.invitations.get('inv-frank')?.status).toBe('accepted');
    expect(after.memberByEmail.get(frank.email)).toBe(frank.userId);
  });

  it('pendingByEmail is cleared when the invitation is revoked', () => {
    const state = given([...FRANK_INVITED, revoked('inv-frank', frank.email)]).state();
    expect(state.pendingByEmail.has(frank.email)).toBe(false);
    expect(state.invitations.get('inv-frank')).toEqual({
      id: 'inv-frank',
      email: frank.email,
      role: 'Developer',
      expiresAt: LATER,
      status: 'revoked',
    });
  });

  it('pendingByEmail points at the latest invitation, and revoking a superseded one keeps it', () => {
    const reinvited = [...FRANK_INVITATION_EXPIRED, invited('inv-frank-2', frank.email, 'Agent', LATER)];
    expect(given(reinvited).state().pendingByEmail).toEqual(new Map([[frank.email, 'inv-frank-2']]));
    const state = given([...reinvited, revoked('inv-frank', frank.email)]).state();
    expect(state.pendingByEmail).toEqual(new Map([[frank.email, 'inv-frank-2']]));
    expect(state.invitations.get('inv-frank')?.status).toBe('revoked');
    expect(state.invitations.get('inv-frank-2')?.status).toBe('pending');
  });

  it('an acceptance or revocation of an unknown invitation is ignored', () => {
    const state = given([...FRANK_INVITED, revoked('inv-nope', frank.email), accepted('inv-nope', frank)]).state();
    expect(state.pendingByEmail).toEqual(new Map([[frank.email, 'inv-frank']]));
    expect(state.invitations.get('inv-frank')?.status).toBe('pending');
    expect(state.invitations.has('inv-nope')).toBe(false);
  });

  it('rename, suspend and reactivate update name and status', () => {
    expect(given([...ACME, renamed('Acme Corp', 'Acme')]).state().name).toBe('Acme Corp');
    expect(given(SUSPENDED).state().status).toBe('suspended');
    expect(given([...SUSPENDED, reactivated()]).state().status).toBe('active');
  });
});

// ---------------------------------------------------------------- decide + evolve together

describe('the decider as a whole', () => {
  it('exposes the same functions', () => {
    expect(organizationDecider.initialState).toBe(initialOrganizationState);
    expect(organizationDecider.evolve).toBe(evolveOrganization);
    expect(organizationDecider.decide).toBe(decideOrganization);
  });

  it('decide does not touch the state, even when it refuses', () => {
    const state = given(FRANK_INVITED).state();
    const snapshot = given(FRANK_INVITED).state();
    decideOrganization(accept(frank, 'inv-frank'), state);
    decideOrganization(remove(as(alice), bob), state);
    decideOrganization(changeRole(as(alice), bob, 'Admin'), state);
    expect(() => decideOrganization(remove(as(alice), alice), state)).toThrow(DomainError);
    expect(state).toEqual(snapshot);
  });

  it('a life: provision, invite, accept, promote, hand over, leave, suspend, reactivate', () => {
    const founder: Person = { userId: 'u-founder', email: 'founder@new.test' };
    const history: OrganizationEvent[] = [];
    const step = (command: OrganizationCommand) => {
      const events = decideOrganization(command, fold(history));
      history.push(...events);
      return events;
    };

    step(provision(operator, { email: founder.email, userId: null }));
    step(accept(founder, 'inv-admin', NOW));
    step(invite(as(founder), 'inv-frank', frank.email, 'Developer', LATER, NOW));
    step(accept(frank, 'inv-frank', NOW));
    expect(step(changeRole(as(founder), frank, 'Admin'))).toEqual([roleChanged(frank, 'Developer', 'Admin')]);
    expect(step(remove(as(founder), founder))).toEqual([removed(founder, 'Admin', 'self')]);
    expect(() => step(remove(as(frank), frank))).toThrow(expect.objectContaining({ code: 'last-admin' }));
    step(suspend(operator, 'audit'));
    expect(() => step(invite(as(frank), 'inv-x', eve.email, 'Agent'))).toThrow(
      expect.objectContaining({ kind: 'conflict', code: 'organization-suspended' }),
    );
    step(reactivate(operator));

    expect(history.map((e) => e.type)).toEqual([
      'OrganizationProvisioned',
      'OrganizationKeyIssued',
      'InvitationCreated',
      'InvitationAccepted',
      'MemberAdded',
      'InvitationCreated',
      'InvitationAccepted',
      'MemberAdded',
      'MemberRoleChanged',
      'MemberRemoved',
      'OrganizationSuspended',
      'OrganizationReactivated',
    ]);
    const state = fold(history);
    expect(state.admins).toBe(1);
    expect([...state.members.values()]).toEqual([{ ...frank, role: 'Admin' }]);
    expect(state.memberByEmail).toEqual(new Map([[frank.email, frank.userId]]));
    expect(state.pendingByEmail.size).toBe(0);
    expect(state.status).toBe('active');
  });
});
