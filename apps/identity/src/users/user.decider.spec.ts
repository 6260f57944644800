import { DomainError } from '@lib/eventstore';
import { DeciderSpecification, emits, nothing, refused } from '@lib/eventstore/testing/decider-specification';
import { Role } from '@lib/contracts';
import { UserCommand, UserEvent, emailStream, userDecider, userStream } from './user.decider';

/*
 * given (prior events) / when (command) / then (exact events, or a DomainError kind + code).
 * RecordMembership carries the organization stream's revision: per organization, anything at or below the
 * last applied revision is a no-op (redelivery, stale message), anything newer is applied.
 */

// ---------------------------------------------------------------- fixtures

const USER = 'u-alice';
const ACME = 'org-eu-01jabcdefghjkmnpqrstvwxyz0';
const GLOBEX = 'org-us-01jzyxwvtsrqpnmkjhgfedcba9';

const registered = (): UserEvent => ({
  type: 'UserRegistered',
  data: { userId: USER, email: 'alice@acme.test', displayName: 'Alice', passwordHash: '$argon2id$hash-a' },
});
const granted = (organizationId: string, role: Role, sourceRevision: number): UserEvent => ({
  type: 'MembershipGranted',
  data: { organizationId, role, sourceRevision },
});
const roleChanged = (organizationId: string, role: Role, sourceRevision: number): UserEvent => ({
  type: 'MembershipRoleChanged',
  data: { organizationId, role, sourceRevision },
});
const revoked = (organizationId: string, sourceRevision: number): UserEvent => ({
  type: 'MembershipRevoked',
  data: { organizationId, sourceRevision },
});

const register = (overrides: Partial<Extract<UserCommand, { type: 'RegisterUser' }>> = {}): UserCommand => ({
  type: 'RegisterUser',
  userId: USER,
  email: 'alice@acme.test',
  displayName: 'Alice',
  passwordHash: '$argon2id$hash-a',
  ...overrides,
});
const grant = (organizationId: string, role: Role, sourceRevision: number): UserCommand => ({
  type: 'RecordMembership',
  organizationId,
  change: 'granted',
  role,
  sourceRevision,
});
const changeRole = (organizationId: string, role: Role, sourceRevision: number): UserCommand => ({
  type: 'RecordMembership',
  organizationId,
  change: 'role-changed',
  role,
  sourceRevision,
});
const revoke = (organizationId: string, sourceRevision: number): UserCommand => ({
  type: 'RecordMembership',
  organizationId,
  change: 'revoked',
  sourceRevision,
});

/** alice registered, Developer of ACME as of ACME revision 5 */
const MEMBER: UserEvent[] = [registered(), granted(ACME, 'Developer', 5)];

// ---------------------------------------------------------------- the helper

const spec = DeciderSpecification.for(userDecider);
const fold = spec.fold;
/** the outcome of deciding `command` on the state `history` folds to (the shared DeciderSpecification) */
const when = (history: UserEvent[], command: UserCommand) => spec(history).when(command).outcome;
const run = spec.run;

describe('the given/when helper', () => {
  it('tells events from refusals, so a wrong expectation fails', () => {
    expect(when([], register())).not.toEqual(nothing);
    expect(when([registered()], register())).not.toEqual(emits(registered()));
  });

  it('rethrows anything that is not a DomainError', () => {
    expect(() => when([], { type: 'Nope' } as unknown as UserCommand)).toThrow('unhandled variant');
  });
});

describe('stream names', () => {
  it('are derived from the user id and the email', () => {
    expect(userStream('u-1')).toBe('user-u-1');
    expect(emailStream('a@b.test')).toBe('email-a@b.test');
  });
});

// ---------------------------------------------------------------- decide

describe('RegisterUser', () => {
  run([
    {
      name: 'a new user → UserRegistered with every field of the command',
      given: [],
      when: register(),
      then: emits(registered()),
    },
    {
      name: 'other values are carried over as given',
      given: [],
      when: register({ userId: 'u-bob', email: 'bob@acme.test', displayName: 'Bob B.', passwordHash: 'h-b' }),
      then: emits({
        type: 'UserRegistered',
        data: { userId: 'u-bob', email: 'bob@acme.test', displayName: 'Bob B.', passwordHash: 'h-b' },
      }),
    },
    {
      name: 'twice → conflict email-taken',
      given: [registered()],
      when: register(),
      then: refused('conflict', 'email-taken'),
    },
    {
      name: 'twice, with different details → conflict email-taken',
      given: MEMBER,
      when: register({ displayName: 'Someone else', passwordHash: 'other' }),
      then: refused('conflict', 'email-taken'),
    },
  ]);

  it('the refusal is a DomainError with a message', () => {
    let caught: unknown;
    try {
      userDecider.decide(register(), fold([registered()]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({ name: 'DomainError', kind: 'conflict', code: 'email-taken', message: 'a user with this email already exists' });
  });
});

describe('RecordMembership: granted', () => {
  run([
    {
      name: 'first news of an organization (revision 0) → MembershipGranted',
      given: [registered()],
      when: grant(ACME, 'Admin', 0),
      then: emits(granted(ACME, 'Admin', 0)),
    },
    {
      name: 'at a later revision → MembershipGranted with that revision',
      given: [registered()],
      when: grant(ACME, 'Agent', 7),
      then: emits(granted(ACME, 'Agent', 7)),
    },
    {
      name: 'redelivered (same revision) → no event',
      given: MEMBER,
      when: grant(ACME, 'Developer', 5),
      then: nothing,
    },
    {
      name: 'redelivered with a different role at the same revision → still no event',
      given: MEMBER,
      when: grant(ACME, 'Admin', 5),
      then: nothing,
    },
    {
      name: 'stale (older revision) → no event',
      given: MEMBER,
      when: grant(ACME, 'Admin', 4),
      then: nothing,
    },
    {
      name: 'stale after a revocation → no event (the revocation is not undone)',
      given: [...MEMBER, revoked(ACME, 9)],
      when: grant(ACME, 'Developer', 8),
      then: nothing,
    },
    {
      name: 'newer, after a revocation (re-joined) → MembershipGranted',
      given: [...MEMBER, revoked(ACME, 9)],
      when: grant(ACME, 'Agent', 12),
      then: emits(granted(ACME, 'Agent', 12)),
    },
    {
      name: 'another organization is tracked separately: a low revision there is applied',
      given: MEMBER,
      when: grant(GLOBEX, 'Admin', 1),
      then: emits(granted(GLOBEX, 'Admin', 1)),
    },
    {
      name: 'another organization’s high revision does not make this one stale',
      given: [registered(), granted(GLOBEX, 'Admin', 100)],
      when: grant(ACME, 'Developer', 3),
      then: emits(granted(ACME, 'Developer', 3)),
    },
  ]);
});

describe('RecordMembership: role-changed', () => {
  run([
    {
      name: 'newer → MembershipRoleChanged',
      given: MEMBER,
      when: changeRole(ACME, 'Admin', 6),
      then: emits(roleChanged(ACME, 'Admin', 6)),
    },
    {
      name: 'redelivered → no event',
      given: [...MEMBER, roleChanged(ACME, 'Admin', 6)],
      when: changeRole(ACME, 'Admin', 6),
      then: nothing,
    },
    {
      name: 'stale (older than the grant) → no event',
      given: MEMBER,
      when: changeRole(ACME, 'Agent', 2),
      then: nothing,
    },
    {
      name: 'stale (older than a later role change) → no event',
      given: [...MEMBER, roleChanged(ACME, 'Admin', 8)],
      when: changeRole(ACME, 'Agent', 7),
      then: nothing,
    },
    {
      name: 'a second change, newer than the first → MembershipRoleChanged',
      given: [...MEMBER, roleChanged(ACME, 'Admin', 8)],
      when: changeRole(ACME, 'Agent', 9),
      then: emits(roleChanged(ACME, 'Agent', 9)),
    },
  ]);
});

describe('RecordMembership: revoked', () => {
  run([
    {
      name: 'newer → MembershipRevoked, without a role',
      given: MEMBER,
      when: revoke(ACME, 6),
      then: emits(revoked(ACME, 6)),
    },
    {
      name: 'redelivered → no event',
      given: [...MEMBER, revoked(ACME, 6)],
      when: revoke(ACME, 6),
      then: nothing,
    },
    {
      name: 'stale (at the grant’s revision) → no event',
      given: MEMBER,
      when: revoke(ACME, 5),
      then: nothing,
    },
    {
      name: 'stale (older than the grant) → no event',
      given: MEMBER,
      when: revoke(ACME, 1),
      then: nothing,
    },
    {
      name: 'in another organization → revoked there only',
      given: [...MEMBER, granted(GLOBEX, 'Agent', 2)],
      when: revoke(GLOBEX, 3),
      then: emits(revoked(GLOBEX, 3)),
    },
  ]);
});

// ---------------------------------------------------------------- evolve

describe('DeleteUser (issue 9)', () => {
  const deleted: UserEvent = { type: 'UserDeleted', data: { userId: USER } };
  run([
    { name: 'a registered user → UserDeleted naming only the id', given: MEMBER, when: { type: 'DeleteUser' }, then: emits(deleted) },
    { name: 'twice → not_found user-not-found', given: [...MEMBER, deleted], when: { type: 'DeleteUser' }, then: refused('not_found', 'user-not-found') },
    { name: 'never registered → not_found user-not-found', given: [], when: { type: 'DeleteUser' }, then: refused('not_found', 'user-not-found') },
    {
      name: 'a deleted account cannot change its password',
      given: [...MEMBER, deleted],
      when: { type: 'ChangePassword', passwordHash: 'h', via: 'reset' },
      then: refused('not_found', 'user-not-found'),
    },
  ]);

  it('the fold forgets the password hash and marks the account deleted', () => {
    const state = fold([...MEMBER, deleted]);
    expect(state.deleted).toBe(true);
    expect(state.passwordHash).toBe('');
  });
});

describe('evolve', () => {
  it('starts unregistered with no memberships', () => {
    const state = userDecider.initialState();
    expect(state).toEqual({
      registered: false,
      deleted: false,
      userId: '',
      email: '',
      displayName: '',
      passwordHash: '',
      memberships: new Map(),
      applied: new Map(),
    });
  });

  it('folds registration, grants, role changes and revocations into memberships and applied revisions', () => {
    const state = fold([
      registered(),
      granted(ACME, 'Developer', 5),
      granted(GLOBEX, 'Agent', 1),
      roleChanged(ACME, 'Admin', 8),
      revoked(GLOBEX, 4),
    ]);
    expect(state.registered).toBe(true);
    expect(state).toMatchObject({ userId: USER, email: 'alice@acme.test', displayName: 'Alice', passwordHash: '$argon2id$hash-a' });
    expect([...state.memberships]).toEqual([[ACME, 'Admin']]);
    expect(state.applied).toEqual(
      new Map([
        [ACME, 8],
        [GLOBEX, 4],
      ]),
    );
  });

  it('gives every fold its own maps (initial states are not shared)', () => {
    const a = fold(MEMBER);
    const b = userDecider.initialState();
    expect(a.memberships.get(ACME)).toBe('Developer');
    expect(b.memberships.size).toBe(0);
    expect(b.applied.size).toBe(0);
  });
});
