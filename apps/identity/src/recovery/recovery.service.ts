import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { DomainError, EventStore } from '@lib/eventstore';
import { EVENT_STORE, SERVICE_CONFIG } from '@lib/service-kit';
import { IdentityConfig } from '../config';
import { IdentityService } from '../identity.service';
import { LinkTokens, parsePasswordResetToken, sha256 } from '../mail/link-tokens';
import { emailStream } from '../users/user.decider';
import { passwordProblem } from '../users/password-policy';
import { UserRepository } from '../users/user.repository';
import { PasswordResetRepository } from './recovery.repositories';
import { SessionGenerations } from './session-generations';
import { throttle } from './throttle';

/** password reset by mailed link, password change, and "sign out everywhere" */
@Injectable()
export class RecoveryService {
  private readonly resetsByEmail: RateLimiterMemory;
  private readonly resetsByIp: RateLimiterMemory;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly users: UserRepository,
    private readonly resets: PasswordResetRepository,
    private readonly generations: SessionGenerations,
    private readonly identity: IdentityService,
    private readonly links: LinkTokens,
  ) {
    const duration = config.PASSWORD_RESET_WINDOW_SECONDS;
    this.resetsByEmail = new RateLimiterMemory({ points: config.PASSWORD_RESET_MAX, duration });
    this.resetsByIp = new RateLimiterMemory({ points: config.PASSWORD_RESET_MAX * 10, duration });
  }

  /**
   * The same answer whether or not the address has an account (and throttled by the address asked for, so a
   * 429 says nothing either); the mail follows from the PasswordResetRequested event.
   */
  async requestReset(email: string, ip: string) {
    await throttle(this.resetsByIp, ip, 'too many password reset requests from this address', 'reset-throttled');
    await throttle(this.resetsByEmail, email, 'too many password reset requests for this email', 'reset-throttled');
    const [reservation] = await this.store.readStream(emailStream(email), { direction: 'backwards', maxCount: 1 });
    const userId = reservation ? (reservation.data as { userId: string }).userId : null;
    const account = userId ? (await this.users.load(userId)).state : null;
    if (userId && account?.registered && !account.deleted) {
      const at = new Date().toISOString();
      const requestId = `prr-${randomUUID()}`;
      const token = this.links.passwordReset(userId, requestId);
      const expiresAt = new Date(Date.parse(at) + this.config.PASSWORD_RESET_TTL_SECONDS * 1000).toISOString();
      await this.resets.handle(userId, { type: 'RequestPasswordReset', userId, requestId, tokenHash: sha256(token), expiresAt }, { at, actor: 'anonymous' });
    }
    return { status: 'requested' as const, message: 'if an account uses this address, a reset link is on its way' };
  }

  /** the link's token sets a new password once; every session of the account ends */
  async completeReset(token: string, password: string) {
    const parsed = parsePasswordResetToken(token);
    const invalid = () => new DomainError('invalid', 'the password reset link is not valid (or was already used)', 'reset-link-invalid');
    if (!parsed) throw invalid();
    const { state: user } = await this.users.load(parsed.userId);
    if (!user.registered) throw invalid();
    const problem = passwordProblem(password, user.email, this.config.PASSWORD_MIN_LENGTH);
    if (problem) throw new DomainError('invalid', problem, 'weak-password', { errors: [{ field: 'password', message: problem }] });
    const at = new Date().toISOString();
    const metadata = { at, actor: parsed.userId };
    await this.resets.handle(parsed.userId, { type: 'CompletePasswordReset', userId: parsed.userId, tokenHash: sha256(parsed.token), at }, metadata);
    await this.users.handle(parsed.userId, { type: 'ChangePassword', passwordHash: await hash(password), via: 'reset' }, metadata);
    await this.generations.endAll(parsed.userId, 'password-reset', at);
    return { status: 'password-reset' as const };
  }

  /**
   * The current password proves it is the owner (counted like a sign-in attempt); every other session ends and
   * the caller gets a fresh session in the new generation.
   */
  async changePassword(userId: string, currentPassword: string, newPassword: string, ip: string) {
    const { state: user } = await this.users.load(userId);
    if (!user.registered) throw new DomainError('not_found', 'user not found', 'user-not-found');
    await this.identity.countAttempt(user.email, ip);
    if (!(await verify(user.passwordHash, currentPassword))) throw new UnauthorizedException('the current password is wrong');
    const problem = passwordProblem(newPassword, user.email, this.config.PASSWORD_MIN_LENGTH);
    if (problem) throw new DomainError('invalid', problem, 'weak-password', { errors: [{ field: 'newPassword', message: problem }] });
    const at = new Date().toISOString();
    await this.users.handle(userId, { type: 'ChangePassword', passwordHash: await hash(newPassword), via: 'change' }, { at, actor: userId });
    await this.generations.endAll(userId, 'password-changed', at);
    return this.identity.startSession(user);
  }

  async signOutEverywhere(userId: string) {
    await this.generations.endAll(userId, 'sign-out-everywhere', new Date().toISOString());
  }
}
