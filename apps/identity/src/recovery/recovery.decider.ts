import { Decider, DomainError, assertNever } from '@lib/eventstore';

/**
 * Account recovery and the end of every session (issue 9), two small aggregates per user:
 *  - `password-reset-<userId>`: the pending reset link (only its hash; single use, expiring, a new request
 *    replaces the previous link);
 *  - `signouts-<userId>`: the user's session generation. Every session records the generation it started
 *    in; a reset, a password change or "sign out everywhere" moves the generation on, and a session of an
 *    older generation can no longer refresh or pick an organization.
 */
export const passwordResetStream = (userId: string) => `password-reset-${userId}`;
export const PASSWORD_RESET_STREAM_PREFIX = 'password-reset-';
export const userSessionsStream = (userId: string) => `signouts-${userId}`;

export type PasswordResetEvent =
  | { type: 'PasswordResetRequested'; data: { userId: string; requestId: string; tokenHash: string; expiresAt: string } }
  | { type: 'PasswordResetCompleted'; data: { userId: string; requestId: string } };

export type PasswordResetCommand =
  | { type: 'RequestPasswordReset'; userId: string; requestId: string; tokenHash: string; expiresAt: string }
  | { type: 'CompletePasswordReset'; userId: string; tokenHash: string; at: string };

export interface PasswordResetState {
  pending: { requestId: string; tokenHash: string; expiresAt: string } | null;
}

const invalidLink = () => new DomainError('invalid', 'the password reset link is not valid (or was already used)', 'reset-link-invalid');

export const passwordResetDecider: Decider<PasswordResetCommand, PasswordResetEvent, PasswordResetState> = {
  initialState: () => ({ pending: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'PasswordResetRequested': {
        const { requestId, tokenHash, expiresAt } = event.data;
        return { pending: { requestId, tokenHash, expiresAt } };
      }
      case 'PasswordResetCompleted':
        return { pending: null };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RequestPasswordReset': {
        const { type: _t, ...data } = command;
        return [{ type: 'PasswordResetRequested', data }];
      }
      case 'CompletePasswordReset':
        // single use: a completed reset leaves no pending link; an older link no longer matches the hash
        if (!state.pending || state.pending.tokenHash !== command.tokenHash) throw invalidLink();
        if (state.pending.expiresAt <= command.at) {
          throw new DomainError('gone', 'the password reset link has expired; ask for a new one', 'reset-link-expired');
        }
        return [{ type: 'PasswordResetCompleted', data: { userId: command.userId, requestId: state.pending.requestId } }];
      default:
        return assertNever(command);
    }
  },
};

export type SessionsEndedReason = 'password-reset' | 'password-changed' | 'sign-out-everywhere' | 'account-deleted';

export type UserSessionsEvent = { type: 'AllSessionsEnded'; data: { userId: string; generation: number; reason: SessionsEndedReason } };
export type UserSessionsCommand = { type: 'EndAllSessions'; userId: string; reason: SessionsEndedReason };
export interface UserSessionsState {
  /** sessions started in an older generation are over; accounts without this stream are in generation 0 */
  generation: number;
}

export const userSessionsDecider: Decider<UserSessionsCommand, UserSessionsEvent, UserSessionsState> = {
  initialState: () => ({ generation: 0 }),
  evolve(_state, event) {
    switch (event.type) {
      case 'AllSessionsEnded':
        return { generation: event.data.generation };
      default:
        return assertNever(event.type as never);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'EndAllSessions':
        return [{ type: 'AllSessionsEnded', data: { userId: command.userId, generation: state.generation + 1, reason: command.reason } }];
      default:
        return assertNever(command.type as never);
    }
  },
};
