import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { DomainError } from '@lib/eventstore';
import { ProblemException } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { IdentityConfig } from '../config';
import { LinkTokens, invitationIdOf, parseVerificationToken, sha256 } from '../mail/link-tokens';
import { UserRepository } from '../users/user.repository';
import { InvitationsRepository } from '../directory/directory.repositories';
import { VerificationRepository } from './verification.repository';

/** proof of email ownership: links sent on sign-up (and on request), or possession of an invitation link */
@Injectable()
export class VerificationService {
  private readonly resends: RateLimiterMemory;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    private readonly verifications: VerificationRepository,
    private readonly users: UserRepository,
    private readonly invitations: InvitationsRepository,
    private readonly links: LinkTokens,
  ) {
    this.resends = new RateLimiterMemory({
      points: config.VERIFICATION_RESEND_MAX,
      duration: config.VERIFICATION_RESEND_WINDOW_SECONDS,
    });
  }

  async isVerified(userId: string) {
    return (await this.verifications.load(userId)).state.verified;
  }

  /** appends the request; the mail follows from the event (MailDispatcher) */
  async request(userId: string, at = new Date().toISOString()) {
    const requestId = `evr-${randomUUID()}`;
    const token = this.links.verification(userId, requestId);
    const expiresAt = new Date(Date.parse(at) + this.config.EMAIL_VERIFICATION_TTL_SECONDS * 1000).toISOString();
    await this.verifications.handle(
      userId,
      { type: 'RequestEmailVerification', userId, requestId, tokenHash: sha256(token), expiresAt },
      { at, actor: userId },
    );
    return { expiresAt };
  }

  /** a signed-in user asks for a new link: throttled per user */
  async resend(userId: string) {
    try {
      await this.resends.consume(userId);
    } catch (res) {
      const retryAfter = Math.max(1, Math.ceil(((res as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000));
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many verification mails; try again in ${retryAfter} s`,
        { code: 'verification-throttled', retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    const { expiresAt } = await this.request(userId);
    return { status: 'sent' as const, expiresAt };
  }

  /** the token from a verification link: single use, expiring, compared by hash */
  async verify(token: string) {
    const parsed = parseVerificationToken(token);
    if (!parsed) throw new DomainError('invalid', 'the verification link is not valid (or was already used)', 'verification-link-invalid');
    const { state: user } = await this.users.load(parsed.userId);
    if (!user.registered) throw new DomainError('invalid', 'the verification link is not valid (or was already used)', 'verification-link-invalid');
    const at = new Date().toISOString();
    await this.verifications.handle(
      parsed.userId,
      { type: 'VerifyEmail', userId: parsed.userId, email: user.email, tokenHash: sha256(parsed.token), at },
      { at, actor: parsed.userId },
    );
    return { userId: user.userId, email: user.email, emailVerified: true };
  }

  /**
   * Sign-up from an invitation link: the token must be the one mailed for this invitation to this address,
   * and the invitation still pending and unexpired. Returns the invitation id, or throws.
   */
  async checkInvitationLink(token: string, email: string, at: string) {
    const invitationId = invitationIdOf(token);
    const invalid = () => new DomainError('invalid', 'the invitation link is not valid for this email address', 'invitation-link-invalid');
    if (!invitationId) throw invalid();
    const { state } = await this.invitations.load(email);
    const invitation = state.pending.get(invitationId);
    if (!invitation) throw invalid();
    // the latest mailing's link, compared by hash (a resend kills the previous link); older records by their derivation
    const matches = invitation.tokenHash
      ? timingSafeEqual(Buffer.from(sha256(token)), Buffer.from(invitation.tokenHash))
      : this.links.checkInvitation(token, invitationId, email);
    if (!matches) throw invalid();
    if (invitation.expiresAt <= at) throw new DomainError('gone', 'the invitation has expired', 'invitation-expired');
    return invitationId;
  }

  async verifyByInvitation(userId: string, email: string, at: string) {
    await this.verifications.handle(userId, { type: 'VerifyEmailByInvitation', userId, email }, { at, actor: userId });
  }

}
