import { DomainError } from '@lib/eventstore';
import { MfaCommand, mfaDecider, MfaEvent } from './mfa.decider';

const U = 'usr-1';
const S1 = { iv: 'iv1', ciphertext: 'c1', tag: 't1' };
const S2 = { iv: 'iv2', ciphertext: 'c2', tag: 't2' };
const T0 = '2026-01-01T00:00:00.000Z';
const EXP = '2026-01-01T00:05:00.000Z';
const LATE = '2026-01-01T00:06:00.000Z';
const started = (secret = S1): MfaEvent => ({ type: 'MfaEnrolmentStarted', data: { userId: U, secret } });
const enabled = (step = 100): MfaEvent => ({ type: 'MfaEnabled', data: { userId: U, secret: S1, recoveryCodeHashes: ['r1', 'r2'], step } });
const issued = (tokenHash = 'c1'): MfaEvent => ({ type: 'MfaChallengeIssued', data: { challengeId: 'ch1', tokenHash, expiresAt: EXP } });
const totp = (step: number | null, secretIv = 'iv1') => ({ kind: 'totp' as const, secretIv, step });
const recovery = (codeHash: string) => ({ kind: 'recovery-code' as const, codeHash });
const complete = (proof: Extract<MfaCommand, { type: 'CompleteMfaChallenge' }>['proof'], tokenHash = 'c1', at = T0): MfaCommand => ({
  type: 'CompleteMfaChallenge',
  tokenHash,
  at,
  proof,
});

function run(given: MfaEvent[], when: MfaCommand) {
  const state = given.reduce(mfaDecider.evolve, mfaDecider.initialState());
  return mfaDecider.decide(when, state);
}
function refused(given: MfaEvent[], when: MfaCommand) {
  try {
    run(given, when);
  } catch (error) {
    if (error instanceof DomainError) return { kind: error.kind, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('MFA decider', () => {
  it.each<[string, MfaEvent[], MfaCommand, MfaEvent[]]>([
    ['an enrolment start', [], { type: 'StartMfaEnrolment', userId: U, secret: S1 }, [started()]],
    ['a restarted enrolment (new secret)', [started()], { type: 'StartMfaEnrolment', userId: U, secret: S2 }, [started(S2)]],
    [
      'a confirmation with a code of the pending secret',
      [started()],
      { type: 'ConfirmMfaEnrolment', secretIv: 'iv1', step: 100, recoveryCodeHashes: ['r1', 'r2'] },
      [enabled(100)],
    ],
    ['a challenge once enabled', [started(), enabled()], { type: 'IssueMfaChallenge', challengeId: 'ch1', tokenHash: 'c1', expiresAt: EXP }, [issued()]],
    [
      'a newer code on the challenge',
      [started(), enabled(100), issued()],
      complete(totp(101)),
      [{ type: 'MfaChallengeCompleted', data: { challengeId: 'ch1', method: 'totp', step: 101 } }],
    ],
    [
      'a recovery code on the challenge',
      [started(), enabled(), issued()],
      complete(recovery('r2')),
      [{ type: 'MfaChallengeCompleted', data: { challengeId: 'ch1', method: 'recovery-code', codeHash: 'r2' } }],
    ],
    ['disabling with a fresh code', [started(), enabled(100)], { type: 'DisableMfa', proof: totp(102) }, [{ type: 'MfaDisabled', data: { userId: U } }]],
    ['disabling with a recovery code', [started(), enabled()], { type: 'DisableMfa', proof: recovery('r1') }, [{ type: 'MfaDisabled', data: { userId: U } }]],
    ['enrolling again after disabling', [started(), enabled(), { type: 'MfaDisabled', data: { userId: U } }], { type: 'StartMfaEnrolment', userId: U, secret: S2 }, [started(S2)]],
  ])('given %s: emits the expected events', (_name, given, when, then) => {
    expect(run(given, when)).toEqual(then);
  });

  const used: MfaEvent = { type: 'MfaChallengeCompleted', data: { challengeId: 'ch1', method: 'totp', step: 101 } };
  const usedRecovery: MfaEvent = { type: 'MfaChallengeCompleted', data: { challengeId: 'ch1', method: 'recovery-code', codeHash: 'r1' } };
  it.each<[string, MfaEvent[], MfaCommand, { kind: string; code: string }]>([
    ['a start while enabled', [started(), enabled()], { type: 'StartMfaEnrolment', userId: U, secret: S2 }, { kind: 'conflict', code: 'mfa-already-enabled' }],
    ['a confirmation without a start', [], { type: 'ConfirmMfaEnrolment', secretIv: 'iv1', step: 1, recoveryCodeHashes: [] }, { kind: 'conflict', code: 'mfa-enrolment-not-started' }],
    ['a confirmation with a wrong code', [started()], { type: 'ConfirmMfaEnrolment', secretIv: 'iv1', step: null, recoveryCodeHashes: [] }, { kind: 'invalid', code: 'mfa-code-invalid' }],
    [
      'a confirmation checked against a secret replaced meanwhile',
      [started(), started(S2)],
      { type: 'ConfirmMfaEnrolment', secretIv: 'iv1', step: 5, recoveryCodeHashes: [] },
      { kind: 'invalid', code: 'mfa-code-invalid' },
    ],
    ['a challenge without MFA', [], { type: 'IssueMfaChallenge', challengeId: 'ch1', tokenHash: 'c1', expiresAt: EXP }, { kind: 'conflict', code: 'mfa-not-enabled' }],
    ['a wrong code', [started(), enabled(), issued()], complete(totp(null)), { kind: 'invalid', code: 'mfa-code-invalid' }],
    ['the code that confirmed the enrolment, replayed', [started(), enabled(100), issued()], complete(totp(100)), { kind: 'invalid', code: 'mfa-code-reused' }],
    ['a code replayed on a second sign-in', [started(), enabled(100), issued(), used, issued('c2')], complete(totp(101), 'c2'), { kind: 'invalid', code: 'mfa-code-reused' }],
    ['an older code than one used', [started(), enabled(100), issued(), used, issued('c2')], complete(totp(100), 'c2'), { kind: 'invalid', code: 'mfa-code-reused' }],
    ['a recovery code used before', [started(), enabled(), issued(), usedRecovery, issued('c2')], complete(recovery('r1'), 'c2'), { kind: 'invalid', code: 'mfa-recovery-code-invalid' }],
    ['an unknown recovery code', [started(), enabled(), issued()], complete(recovery('zz')), { kind: 'invalid', code: 'mfa-recovery-code-invalid' }],
    ['a completed challenge presented again', [started(), enabled(), issued(), used], complete(totp(102)), { kind: 'forbidden', code: 'mfa-challenge-invalid' }],
    ['a challenge replaced by a newer sign-in', [started(), enabled(), issued('c1'), issued('c2')], complete(totp(101), 'c1'), { kind: 'forbidden', code: 'mfa-challenge-invalid' }],
    ['an expired challenge', [started(), enabled(), issued()], complete(totp(101), 'c1', LATE), { kind: 'gone', code: 'mfa-challenge-expired' }],
    ['disabling with a used code', [started(), enabled(100)], { type: 'DisableMfa', proof: totp(100) }, { kind: 'invalid', code: 'mfa-code-reused' }],
    ['disabling when not enabled', [], { type: 'DisableMfa', proof: totp(1) }, { kind: 'conflict', code: 'mfa-not-enabled' }],
  ])('given %s: refuses', (_name, given, when, error) => {
    expect(refused(given, when)).toEqual(error);
  });
});
