import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { verify } from '@node-rs/argon2';
import { authenticator } from 'otplib';
import { createHash, randomBytes } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '@lib/eventstore';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { ProblemException, sortableId } from '@lib/platform';
import { IdentityConfig } from '../config';
import { UserRepository } from '../users/user.repository';
import { MfaProof, MfaState } from './mfa.decider';
import { MfaRepository } from './mfa.repository';
import { TotpSecretBox } from './totp-secret-box';

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
/** what the issuer of the otpauth:// URI says: the name people see in their authenticator app */
export const TOTP_ISSUER = 'Organizations control plane';
export const RECOVERY_CODE_COUNT = 10;
/** the sign-in step between the password and the code */
export const MFA_CHALLENGE_TTL_SECONDS = 300;
const STEP_SECONDS = 30;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** a code in the authenticator app's form: 6 digits (spaces allowed), or a recovery code `xxxxx-xxxxx` */
export const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

function recoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => BASE32[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/**
 * TOTP second factor: enrolment (start → confirm with a code), disabling (password and a code), the sign-in
 * challenge. Wrong codes count against a per-account budget before they are checked, like passwords.
 */
@Injectable()
export class MfaService {
  private readonly failures: RateLimiterMemory;

  constructor(
    @Inject(SERVICE_CONFIG) config: IdentityConfig,
    private readonly repository: MfaRepository,
    private readonly users: UserRepository,
    private readonly box: TotpSecretBox,
  ) {
    this.failures = new RateLimiterMemory({ points: config.LOGIN_MAX_FAILURES, duration: config.LOGIN_FAILURE_WINDOW_SECONDS });
  }

  async isEnabled(userId: string) {
    return (await this.repository.load(userId)).state.enabled;
  }

  async startEnrolment(userId: string, email: string) {
    const secret = authenticator.generateSecret(20);
    await this.repository.handle(userId, { type: 'StartMfaEnrolment', userId, secret: this.box.seal(secret) }, { at: new Date().toISOString(), actor: userId });
    return { secret, otpauthUri: authenticator.keyuri(email, TOTP_ISSUER, secret), digits: 6, period: STEP_SECONDS, algorithm: 'SHA1' };
  }

  async confirmEnrolment(userId: string, code: string) {
    await this.countAttempt(userId);
    const { state } = await this.repository.load(userId);
    const at = new Date();
    const step = state.pending ? this.matchStep(this.box.open(state.pending), code, at) : null;
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
    await this.repository.handle(
      userId,
      { type: 'ConfirmMfaEnrolment', secretIv: state.pending?.iv ?? '', step, recoveryCodeHashes: codes.map((c) => sha256(normaliseRecoveryCode(c))) },
      { at: at.toISOString(), actor: userId },
    );
    await this.failures.delete(userId);
    // shown once: only their hashes are stored
    return { enabled: true, recoveryCodes: codes };
  }

  async disable(userId: string, password: string, code: { code?: string; recoveryCode?: string }) {
    await this.countAttempt(userId);
    const { state: user } = await this.users.load(userId);
    if (!user.registered || !(await verify(user.passwordHash, password))) {
      throw new DomainError('forbidden', 'the password is wrong', 'password-wrong');
    }
    const { state } = await this.repository.load(userId);
    if (!state.enabled) throw new DomainError('conflict', 'no second factor is enabled', 'mfa-not-enabled');
    const at = new Date();
    await this.repository.handle(userId, { type: 'DisableMfa', proof: this.proof(state, code, at) }, { at: at.toISOString(), actor: userId });
    await this.failures.delete(userId);
  }

  /** a current TOTP code (or an unused recovery code) of an enrolled user, or a refusal; counted like sign-in codes */
  async assertCode(userId: string, code: { code?: string; recoveryCode?: string }) {
    await this.countAttempt(userId);
    const { state } = await this.repository.load(userId);
    const proof = this.proof(state, code, new Date());
    const ok = proof.kind === 'totp' ? proof.step !== null && proof.step > state.lastStep : state.recoveryCodeHashes.has(proof.codeHash);
    if (!ok) throw new DomainError('invalid', 'the code is not valid', 'mfa-code-invalid');
    await this.failures.delete(userId);
  }

  /** after a correct password: the single-use, short-lived token that the code must come with */
  async challenge(userId: string) {
    const challengeId = sortableId();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + MFA_CHALLENGE_TTL_SECONDS * 1000).toISOString();
    await this.repository.handle(
      userId,
      { type: 'IssueMfaChallenge', challengeId, tokenHash: sha256(secret), expiresAt },
      { at: new Date().toISOString(), actor: userId },
    );
    return { status: 'mfa-required' as const, mfaToken: `mc_${userId}.${secret}`, expiresIn: MFA_CHALLENGE_TTL_SECONDS, methods: ['totp', 'recovery-code'] };
  }

  /** checks the challenge and the code; the user id it belongs to, or a refusal */
  async complete(mfaToken: string, code: { code?: string; recoveryCode?: string }): Promise<{ userId: string; method: 'totp' | 'recovery-code' }> {
    const [userId, secret] = mfaToken.slice(3).split('.');
    await this.countAttempt(userId);
    const { state } = await this.repository.load(userId);
    const at = new Date();
    const proof = this.proof(state, code, at);
    await this.repository.handle(userId, { type: 'CompleteMfaChallenge', tokenHash: sha256(secret), at: at.toISOString(), proof }, { at: at.toISOString(), actor: userId });
    await this.failures.delete(userId);
    return { userId, method: proof.kind };
  }

  private proof(state: MfaState, input: { code?: string; recoveryCode?: string }, at: Date): MfaProof {
    if (input.recoveryCode) return { kind: 'recovery-code', codeHash: sha256(normaliseRecoveryCode(input.recoveryCode)) };
    const step = state.secret && input.code ? this.matchStep(this.box.open(state.secret), input.code, at) : null;
    return { kind: 'totp', secretIv: state.secret?.iv ?? '', step };
  }

  /** the RFC 6238 time step the code belongs to (the current one or its neighbours, for clock drift), or null */
  private matchStep(secret: string, code: string, at: Date): number | null {
    const digits = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) return null;
    const delta = authenticator.clone({ window: 1, epoch: at.getTime() }).checkDelta(digits, secret);
    return delta === null ? null : Math.floor(at.getTime() / 1000 / STEP_SECONDS) + delta;
  }

  /** one point from the account's budget before the code is checked (the limiter's consume is synchronous) */
  private async countAttempt(userId: string) {
    try {
      await this.failures.consume(userId);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many attempts at the second factor; try again in ${retryAfter} s`,
        { code: 'mfa-throttled', retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
  }
}
