import { Decider } from '@lib/eventstore';

/**
 * What organization knows of identity's users: learned from `UserRegistered` integration events and kept
 * in its own log, one stream per (lower-cased) email, so provisioning can tell whether an admin exists.
 */
export const knownUserStream = (email: string) => `known-user-${email}`;

export type KnownUserEvent = { type: 'UserKnown'; data: { userId: string; email: string; displayName: string } };
export type KnownUserCommand = { type: 'RecordUser'; userId: string; email: string; displayName: string };
export interface KnownUserState {
  userId: string | null;
}

export const knownUserDecider: Decider<KnownUserCommand, KnownUserEvent, KnownUserState> = {
  initialState: () => ({ userId: null }),
  evolve: (state, event) => ({ userId: event.data.userId }),
  decide: (command, state) =>
    state.userId === command.userId
      ? []
      : [{ type: 'UserKnown', data: { userId: command.userId, email: command.email, displayName: command.displayName } }],
};
