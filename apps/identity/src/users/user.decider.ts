import { Decider, DomainError, assertNever } from '@lib/eventstore';
import { Role } from '@lib/contracts';

export const userStream = (userId: string) => `user-${userId}`;
export const emailStream = (email: string) => `email-${email}`;

export type UserEvent =
  | { type: 'UserRegistered'; data: { userId: string; email: string; displayName: string; passwordHash: string } }
  | { type: 'MembershipGranted'; data: { organizationId: string; role: Role; sourceRevision: number } }
  | { type: 'MembershipRoleChanged'; data: { organizationId: string; role: Role; sourceRevision: number } }
  | { type: 'MembershipRevoked'; data: { organizationId: string; sourceRevision: number } }
  /** a reset from the mailed link, or a change with the current password (issue 9) */
  | { type: 'PasswordChanged'; data: { passwordHash: string; via: 'reset' | 'change' } }
  /** the user deleted their account (issue 9): their personal data keys are forgotten right after */
  | { type: 'UserDeleted'; data: { userId: string } };

export type UserCommand =
  | { type: 'RegisterUser'; userId: string; email: string; displayName: string; passwordHash: string }
  | { type: 'ChangePassword'; passwordHash: string; via: 'reset' | 'change' }
  | { type: 'DeleteUser' }
  /** what identity learned from organization's integration events; `sourceRevision` orders and de-duplicates */
  | { type: 'RecordMembership'; organizationId: string; change: 'granted' | 'role-changed' | 'revoked'; role?: Role; sourceRevision: number };

export interface UserState {
  registered: boolean;
  /** deleted accounts stay deleted: no sign-in, no token; the email can sign up again as a new user */
  deleted: boolean;
  userId: string;
  email: string;
  displayName: string;
  passwordHash: string;
  memberships: Map<string, Role>;
  /** last organization-stream revision applied, per organization */
  applied: Map<string, number>;
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: () => ({
    registered: false,
    deleted: false,
    userId: '',
    email: '',
    displayName: '',
    passwordHash: '',
    memberships: new Map(),
    applied: new Map(),
  }),
  evolve(state, event) {
    switch (event.type) {
      case 'UserRegistered':
        return { ...state, registered: true, ...event.data };
      case 'MembershipGranted':
      case 'MembershipRoleChanged':
        state.memberships.set(event.data.organizationId, event.data.role);
        state.applied.set(event.data.organizationId, event.data.sourceRevision);
        return state;
      case 'PasswordChanged':
        return { ...state, passwordHash: event.data.passwordHash };
      case 'UserDeleted':
        return { ...state, deleted: true, passwordHash: '' };
      case 'MembershipRevoked':
        state.memberships.delete(event.data.organizationId);
        state.applied.set(event.data.organizationId, event.data.sourceRevision);
        return state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RegisterUser': {
        if (state.registered) throw new DomainError('conflict', 'a user with this email already exists', 'email-taken');
        const { type: _t, ...data } = command;
        return [{ type: 'UserRegistered', data }];
      }
      case 'DeleteUser':
        if (!state.registered || state.deleted) throw new DomainError('not_found', 'user not found', 'user-not-found');
        return [{ type: 'UserDeleted', data: { userId: state.userId } }];
      case 'ChangePassword':
        if (!state.registered || state.deleted) throw new DomainError('not_found', 'user not found', 'user-not-found');
        return [{ type: 'PasswordChanged', data: { passwordHash: command.passwordHash, via: command.via } }];
      case 'RecordMembership': {
        const last = state.applied.get(command.organizationId) ?? -1;
        if (command.sourceRevision <= last) return []; // already applied, or older than what we know
        const { organizationId, sourceRevision } = command;
        if (command.change === 'revoked') return [{ type: 'MembershipRevoked', data: { organizationId, sourceRevision } }];
        const role = command.role!;
        return command.change === 'granted'
          ? [{ type: 'MembershipGranted', data: { organizationId, role, sourceRevision } }]
          : [{ type: 'MembershipRoleChanged', data: { organizationId, role, sourceRevision } }];
      }
      default:
        return assertNever(command);
    }
  },
};
