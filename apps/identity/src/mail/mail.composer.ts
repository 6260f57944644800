import { RecordedEvent } from '@lib/eventstore';
import { MailMessage } from '@lib/platform';
import type { IdentityConfig } from '../config';
import type { UserRepository } from '../users/user.repository';
import type { KnownOrganizationRepository } from '../directory/directory.repositories';
import type { LinkTokens } from './link-tokens';
import { VerificationEvent, VERIFICATION_STREAM_PREFIX } from '../verification/verification.decider';
import { InvitationsEvent } from '../directory/directory.decider';
import { invitationMail, linkTo, passwordResetMail, verificationMail } from './mail.templates';
import { PASSWORD_RESET_STREAM_PREFIX, PasswordResetEvent } from '../recovery/recovery.decider';

const INVITATIONS_STREAM_PREFIX = 'invitations-';

/** the mail an event of identity's log asks for: verification links, password reset links and invitations */
export function mailComposer(runtime: {
  config: Pick<IdentityConfig, 'PUBLIC_URL'>;
  users: UserRepository;
  organizations: KnownOrganizationRepository;
  links: LinkTokens;
}) {
  const publicUrl = runtime.config.PUBLIC_URL;
  return async (event: RecordedEvent): Promise<MailMessage | null> => {
    if (event.type === 'EmailVerificationRequested' && event.streamName.startsWith(VERIFICATION_STREAM_PREFIX)) {
      const data = (event as unknown as Extract<VerificationEvent, { type: 'EmailVerificationRequested' }>).data;
      const { state: user } = await runtime.users.load(data.userId);
      if (!user.registered) return null;
      const token = runtime.links.verification(data.userId, data.requestId);
      return verificationMail({ to: user.email, displayName: user.displayName, link: linkTo(publicUrl, '#/verify-email', token), expiresAt: data.expiresAt });
    }
    if (event.type === 'PasswordResetRequested' && event.streamName.startsWith(PASSWORD_RESET_STREAM_PREFIX)) {
      const data = (event as unknown as Extract<PasswordResetEvent, { type: 'PasswordResetRequested' }>).data;
      const { state: user } = await runtime.users.load(data.userId);
      if (!user.registered) return null;
      const token = runtime.links.passwordReset(data.userId, data.requestId);
      return passwordResetMail({ to: user.email, displayName: user.displayName, link: linkTo(publicUrl, '#/reset-password', token), expiresAt: data.expiresAt });
    }
    if (event.type === 'InvitationRecorded' && event.streamName.startsWith(INVITATIONS_STREAM_PREFIX)) {
      const data = (event as unknown as Extract<InvitationsEvent, { type: 'InvitationRecorded' }>).data;
      // the address is in the (sealed) event since issue 9; older events are in a stream named by it
      const email = data.email ?? event.streamName.slice(INVITATIONS_STREAM_PREFIX.length);
      const { state: organization } = await runtime.organizations.load(data.organizationId);
      const token = runtime.links.invitation(data.invitationId, email, data.sendId);
      return invitationMail({
        to: email,
        organizationName: organization.profile?.name ?? '',
        role: data.role,
        link: linkTo(publicUrl, `/invitations/${data.invitationId}`, token),
        expiresAt: data.expiresAt,
      });
    }
    return null;
  };
}
