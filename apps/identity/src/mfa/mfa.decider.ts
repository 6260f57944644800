import { Decider, DomainError, assertNever } from '@lib/eventstore';
import type { SealedSecret } from './totp-secret-box';

/**
 * A user's second factor (TOTP, RFC 6238), one stream per user. The TOTP secret is only ever stored sealed
 * (AES-256-GCM under identity's MFA key, kept outside the log); recovery codes only as SHA-256 hashes (they are
 * random, 50 bits each, so a plain hash suffices). Time steps already used are remembered so a code cannot be
 * replayed inside its window. The sign-in challenge (the step after the password) lives here too: one at a
 * time, short-lived, single use.
 */
export const mfaStream = (userId: string) => `mfa-${userId}`;
export const MFA_STREAM_PREFIX = 'mfa-';

/** how the second factor was proven: a code from the authenticator app, or one of the recovery codes */
export type MfaProof = { kind: 'totp'; secretIv: string; step: number | null } | { kind: 'recovery-code'; codeHash: string };

export type MfaEvent =
  | { type: 'MfaEnrolmentStarted'; data: { userId: string; secret: SealedSecret } }
  | { type: 'MfaEnabled'; data: { userId: string; secret: SealedSecret; recoveryCodeHashes: string[]; step: number } }
  | { type: 'MfaChallengeIssued'; data: { challengeId: string; tokenHash: string; expiresAt: string } }
  | { type: 'MfaChallengeCompleted'; data: { challengeId: string; method: 'totp'; step: number } | { challengeId: string; method: 'recovery-code'; codeHash: string } }
  | { type: 'MfaDisabled'; data: { userId: string } };

export type MfaCommand =
  | { type: 'StartMfaEnrolment'; userId: string; secret: SealedSecret }
  /** `step` is the time step the presented code matched against the pending secret (null: no match) */
  | { type: 'ConfirmMfaEnrolment'; secretIv: string; step: number | null; recoveryCodeHashes: string[] }
  | { type: 'IssueMfaChallenge'; challengeId: string; tokenHash: string; expiresAt: string }
  | { type: 'CompleteMfaChallenge'; tokenHash: string; at: string; proof: MfaProof }
  /** the password was checked by the caller; the second factor is checked here */
  | { type: 'DisableMfa'; proof: MfaProof };

export interface MfaState {
  userId: string;
  enabled: boolean;
  pending: SealedSecret | null;
  secret: SealedSecret | null;
  /** the last time step a TOTP code was accepted for: codes of this step or older are refused */
  lastStep: number;
  recoveryCodeHashes: Set<string>;
  challenge: { challengeId: string; tokenHash: string; expiresAt: string } | null;
}

const invalidCode = () => new DomainError('invalid', 'the code is not valid', 'mfa-code-invalid');

/** checks a proof against the state; returns what the completion event records */
function checkProof(state: MfaState, proof: MfaProof): { method: 'totp'; step: number } | { method: 'recovery-code'; codeHash: string } {
  if (proof.kind === 'recovery-code') {
    if (!state.recoveryCodeHashes.has(proof.codeHash)) throw new DomainError('invalid', 'the recovery code is not valid (or was already used)', 'mfa-recovery-code-invalid');
    return { method: 'recovery-code', codeHash: proof.codeHash };
  }
  if (proof.step === null || state.secret?.iv !== proof.secretIv) throw invalidCode();
  if (proof.step <= state.lastStep) throw new DomainError('invalid', 'this code was already used; wait for the next one', 'mfa-code-reused');
  return { method: 'totp', step: proof.step };
}

export const mfaDecider: Decider<MfaCommand, MfaEvent, MfaState> = {
  initialState: () => ({ userId: '', enabled: false, pending: null, secret: null, lastStep: -1, recoveryCodeHashes: new Set(), challenge: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'MfaEnrolmentStarted':
        return { ...state, userId: event.data.userId, pending: event.data.secret };
      case 'MfaEnabled':
        return {
          ...state,
          enabled: true,
          pending: null,
          secret: event.data.secret,
          lastStep: event.data.step,
          recoveryCodeHashes: new Set(event.data.recoveryCodeHashes),
        };
      case 'MfaChallengeIssued':
        return { ...state, challenge: { ...event.data } };
      case 'MfaChallengeCompleted':
        if (event.data.method === 'totp') state.lastStep = Math.max(state.lastStep, event.data.step);
        else state.recoveryCodeHashes.delete(event.data.codeHash);
        return { ...state, challenge: null };
      case 'MfaDisabled':
        // the used steps stay remembered: a re-enrolment gets a new secret anyway
        return { ...state, enabled: false, pending: null, secret: null, recoveryCodeHashes: new Set(), challenge: null };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'StartMfaEnrolment':
        if (state.enabled) throw new DomainError('conflict', 'a second factor is already enabled; disable it first', 'mfa-already-enabled');
        return [{ type: 'MfaEnrolmentStarted', data: { userId: command.userId, secret: command.secret } }];
      case 'ConfirmMfaEnrolment': {
        if (state.enabled) throw new DomainError('conflict', 'a second factor is already enabled', 'mfa-already-enabled');
        if (!state.pending) throw new DomainError('conflict', 'start the enrolment first', 'mfa-enrolment-not-started');
        if (command.step === null || command.secretIv !== state.pending.iv) throw invalidCode();
        return [
          {
            type: 'MfaEnabled',
            data: { userId: state.userId, secret: state.pending, recoveryCodeHashes: command.recoveryCodeHashes, step: command.step },
          },
        ];
      }
      case 'IssueMfaChallenge':
        if (!state.enabled) throw new DomainError('conflict', 'no second factor is enabled', 'mfa-not-enabled');
        return [{ type: 'MfaChallengeIssued', data: { challengeId: command.challengeId, tokenHash: command.tokenHash, expiresAt: command.expiresAt } }];
      case 'CompleteMfaChallenge': {
        const challenge = state.challenge;
        if (!state.enabled || !challenge || challenge.tokenHash !== command.tokenHash) {
          throw new DomainError('forbidden', 'the sign-in step is not valid (or was already used); sign in again', 'mfa-challenge-invalid');
        }
        if (challenge.expiresAt <= command.at) throw new DomainError('gone', 'the sign-in step has expired; sign in again', 'mfa-challenge-expired');
        return [{ type: 'MfaChallengeCompleted', data: { challengeId: challenge.challengeId, ...checkProof(state, command.proof) } }];
      }
      case 'DisableMfa':
        if (!state.enabled) throw new DomainError('conflict', 'no second factor is enabled', 'mfa-not-enabled');
        checkProof(state, command.proof);
        return [{ type: 'MfaDisabled', data: { userId: state.userId } }];
      default:
        return assertNever(command);
    }
  },
};
