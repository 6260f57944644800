import { Decider, DomainError, assertNever } from '@lib/eventstore';

/**
 * Proof that a user owns their email address, one stream per user. Kept apart from the user's own stream
 * so accounts created before verification existed simply have no such stream yet: they count as
 * unverified and verify through the same link (the upgrade path, README "Verified email").
 */
export const verificationStream = (userId: string) => `verification-${userId}`;
export const VERIFICATION_STREAM_PREFIX = 'verification-';

export type VerificationEvent =
  | {
      type: 'EmailVerificationRequested';
      /** only the token's hash is stored; the link's token is derived from `requestId` with a key outside the log */
      data: { userId: string; requestId: string; tokenHash: string; expiresAt: string };
    }
  | { type: 'EmailVerified'; data: { userId: string; email: string; via: 'link' | 'invitation' } };

export type VerificationCommand =
  | { type: 'RequestEmailVerification'; userId: string; requestId: string; tokenHash: string; expiresAt: string }
  | { type: 'VerifyEmail'; userId: string; email: string; tokenHash: string; at: string }
  /** signing up from an invitation link proves possession of the mailbox the invitation went to */
  | { type: 'VerifyEmailByInvitation'; userId: string; email: string };

export interface VerificationState {
  verified: boolean;
  pending: { requestId: string; tokenHash: string; expiresAt: string } | null;
}

const invalidLink = () => new DomainError('invalid', 'the verification link is not valid (or was already used)', 'verification-link-invalid');

export const verificationDecider: Decider<VerificationCommand, VerificationEvent, VerificationState> = {
  initialState: () => ({ verified: false, pending: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'EmailVerificationRequested': {
        const { requestId, tokenHash, expiresAt } = event.data;
        return { ...state, pending: { requestId, tokenHash, expiresAt } };
      }
      case 'EmailVerified':
        return { verified: true, pending: null };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'RequestEmailVerification': {
        if (state.verified) throw new DomainError('conflict', 'the email address is already verified', 'email-already-verified');
        const { type: _t, ...data } = command;
        return [{ type: 'EmailVerificationRequested', data }];
      }
      case 'VerifyEmail': {
        // single use: a verified stream has no pending token left, so a second click is refused
        if (!state.pending || state.pending.tokenHash !== command.tokenHash) throw invalidLink();
        if (state.pending.expiresAt <= command.at) {
          throw new DomainError('gone', 'the verification link has expired; ask for a new one', 'verification-link-expired');
        }
        return [{ type: 'EmailVerified', data: { userId: command.userId, email: command.email, via: 'link' } }];
      }
      case 'VerifyEmailByInvitation':
        if (state.verified) return [];
        return [{ type: 'EmailVerified', data: { userId: command.userId, email: command.email, via: 'invitation' } }];
      default:
        return assertNever(command);
    }
  },
};
