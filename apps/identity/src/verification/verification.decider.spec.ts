import { DomainErrorKind } from '@lib/eventstore';
import { DeciderSpecification } from '@lib/eventstore/testing/decider-specification';
import { VerificationCommand, VerificationEvent, verificationDecider } from './verification.decider';

const U = 'usr-1';
const T0 = '2026-01-01T00:00:00.000Z';
const EXP = '2026-01-02T00:00:00.000Z';
const LATE = '2026-01-03T00:00:00.000Z';
const requested = (tokenHash = 'h1', requestId = 'r1'): VerificationEvent => ({
  type: 'EmailVerificationRequested',
  data: { userId: U, requestId, tokenHash, expiresAt: EXP },
});
const verified = (via: 'link' | 'invitation' = 'link'): VerificationEvent => ({ type: 'EmailVerified', data: { userId: U, email: 'a@x.io', via } });
const verify = (tokenHash = 'h1', at = T0): VerificationCommand => ({ type: 'VerifyEmail', userId: U, email: 'a@x.io', tokenHash, at });
const request = (tokenHash = 'h2', requestId = 'r2'): VerificationCommand => ({
  type: 'RequestEmailVerification',
  userId: U,
  requestId,
  tokenHash,
  expiresAt: EXP,
});

const spec = DeciderSpecification.for(verificationDecider);

describe('email verification decider', () => {
  it.each<[string, VerificationEvent[], VerificationCommand, VerificationEvent[]]>([
    ['a first request', [], request('h1', 'r1'), [requested('h1', 'r1')]],
    ['a resend replaces the pending token', [requested()], request('h2', 'r2'), [{ ...requested('h2', 'r2') }]],
    ['the pending token before expiry', [requested()], verify('h1'), [verified('link')]],
    ['an invitation link for an unverified user', [], { type: 'VerifyEmailByInvitation', userId: U, email: 'a@x.io' }, [verified('invitation')]],
    ['an invitation link for a verified user (nothing to do)', [requested(), verified()], { type: 'VerifyEmailByInvitation', userId: U, email: 'a@x.io' }, []],
  ])('given %s: emits the expected events', (_name, given, when, then) => {
    spec(given).when(when).then(...then);
  });

  it.each<[string, VerificationEvent[], VerificationCommand, { kind: DomainErrorKind; code: string }]>([
    ['no request ever made (an account from before verification existed)', [], verify(), { kind: 'invalid', code: 'verification-link-invalid' }],
    ['a wrong token', [requested()], verify('other'), { kind: 'invalid', code: 'verification-link-invalid' }],
    ['a token replaced by a resend', [requested('h1'), requested('h2', 'r2')], verify('h1'), { kind: 'invalid', code: 'verification-link-invalid' }],
    ['a second use of the same link', [requested(), verified()], verify('h1'), { kind: 'invalid', code: 'verification-link-invalid' }],
    ['an expired link', [requested()], verify('h1', LATE), { kind: 'gone', code: 'verification-link-expired' }],
    ['a request once verified', [requested(), verified()], request(), { kind: 'conflict', code: 'email-already-verified' }],
  ])('given %s: refuses', (_name, given, when, error) => {
    spec(given).when(when).thenThrows(error.kind, error.code);
  });
});
