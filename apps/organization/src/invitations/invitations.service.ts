import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '@lib/eventstore';
import { Principal } from '@lib/auth';
import { ProblemException, sortableId } from '@lib/platform';
import { SERVICE_CONFIG } from '@lib/service-kit';
import { OrganizationConfig } from '../config';
import { OrganizationsService } from '../organizations/organizations.service';
import { pageOfInvitations } from './invitation-lifecycle';

/** decline (invitee), resend (Admin, throttled per invitation) and the paginated list with each invitation's state */
@Injectable()
export class InvitationLifecycleService {
  private readonly resends: RateLimiterMemory;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrganizationConfig,
    private readonly organizations: OrganizationsService,
  ) {
    this.resends = new RateLimiterMemory({ points: config.INVITATION_RESEND_MAX, duration: config.INVITATION_RESEND_WINDOW_SECONDS });
  }

  async list(organizationId: string, principal: Principal, cursor: string | undefined, limit: number) {
    const { state } = await this.organizations.read(organizationId, principal, 'members.manage');
    return pageOfInvitations(state, new Date().toISOString(), cursor, limit);
  }

  async decline(invitationId: string, principal: Extract<Principal, { kind: 'user' }>) {
    // only someone who proved they receive mail at the address may answer for it
    if (!principal.emailVerified) {
      throw new DomainError('forbidden', 'confirm your email address (the link we mailed you) before answering an invitation', 'email-not-verified');
    }
    const organizationId = this.organizations.organizationOfInvitation(invitationId);
    await this.organizations.command(organizationId, principal, {
      type: 'DeclineInvitation',
      invitationId,
      userId: principal.userId,
      email: principal.email.toLowerCase(),
    });
    return { invitationId, organizationId, status: 'declined' as const };
  }

  /** a new link and expiry; the mail follows from identity's record of the event */
  async resend(organizationId: string, invitationId: string, principal: Principal) {
    this.organizations.checkId(organizationId);
    this.organizations.assertScoped(principal, organizationId);
    try {
      await this.resends.consume(`${organizationId}/${invitationId}`);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        `this invitation was resent too often; try again in ${retryAfter} s`,
        { code: 'invitation-resend-throttled', retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    const expiresAt = new Date(Date.now() + this.config.INVITATION_TTL_SECONDS * 1000).toISOString();
    const result = await this.organizations.command(organizationId, principal, {
      type: 'ResendInvitation',
      invitationId,
      expiresAt,
      sendId: `snd-${sortableId()}`,
    });
    const invitation = result.state.invitations.get(invitationId)!;
    return { ...invitation, organizationId };
  }
}
