import { Decider } from '@lib/eventstore';

/**
 * What organization knows of identity's users: learned from `UserRegistered` and `EmailVerified` integration
 * events and kept in its own log, one stream per (lower-cased) email, so provisioning can tell whether a
 * verified account holds the admin's address. Only a verified owner becomes Admin at once; anyone else is
 * invited (an unverified sign-up proves nothing about the mailbox).
 */
export const knownUserStream = (email: string) => `known-user-${email}`;

export type KnownUserEvent =
  | { type: 'UserKnown'; data: { userId: string; email: string; displayName: string } }
  | { type: 'UserEmailVerified'; data: { userId: string; email: string } };
export type KnownUserCommand =
  | { type: 'RecordUser'; userId: string; email: string; displayName: string }
  | { type: 'RecordEmailVerified'; userId: string; email: string };
export interface KnownUserState {
  userId: string | null;
  verified: boolean;
}

export const knownUserDecider: Decider<KnownUserCommand, KnownUserEvent, KnownUserState> = {
  initialState: () => ({ userId: null, verified: false }),
  evolve: (state, event) =>
    event.type === 'UserKnown'
      ? { userId: event.data.userId, verified: state.userId === event.data.userId && state.verified }
      : { userId: event.data.userId, verified: true },
  decide: (command, state) => {
    if (command.type === 'RecordEmailVerified') {
      return state.userId === command.userId && state.verified
        ? []
        : [{ type: 'UserEmailVerified', data: { userId: command.userId, email: command.email } }];
    }
    return state.userId === command.userId
      ? []
      : [{ type: 'UserKnown', data: { userId: command.userId, email: command.email, displayName: command.displayName } }];
  },
};
