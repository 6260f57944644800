import { DomainError } from '@lib/eventstore';
import type { MembershipEvent } from '../organizations/organization.events';
import type { OrganizationState } from '../organizations/organization.state';

/**
 * Decline and resend (issue 9), decided on the organization's state. The organization decider routes the
 * commands here after its own checks (authorization for resend, an active organization).
 */

type Decline = { invitationId: string; userId: string; email: string };
type Resend = { invitationId: string; expiresAt: string; sendId: string };

const notFound = () => new DomainError('not_found', 'invitation not found', 'invitation-not-found');

/** the invitee (whose verified email it was sent to) says no; anyone else is told it does not exist */
export function decideDeclineInvitation(state: OrganizationState, command: Decline): MembershipEvent[] {
  const invitation = state.invitations.get(command.invitationId);
  if (!invitation || invitation.email !== command.email) throw notFound();
  if (invitation.status === 'declined') return [];
  if (invitation.status !== 'pending') {
    throw new DomainError('conflict', `the invitation is already ${invitation.status}`, 'invitation-not-pending');
  }
  return [
    {
      type: 'InvitationDeclined',
      data: { organizationId: state.id, invitationId: invitation.id, email: invitation.email, userId: command.userId },
    },
  ];
}

/** a pending invitation (expired or not) is mailed again with a new link and expiry; closed ones cannot be */
export function decideResendInvitation(state: OrganizationState, command: Resend): MembershipEvent[] {
  const invitation = state.invitations.get(command.invitationId);
  if (!invitation) throw notFound();
  if (invitation.status !== 'pending') {
    throw new DomainError('conflict', `the invitation is already ${invitation.status}`, 'invitation-not-pending');
  }
  return [
    {
      type: 'InvitationResent',
      data: {
        organizationId: state.id,
        invitationId: invitation.id,
        email: invitation.email,
        role: invitation.role,
        expiresAt: command.expiresAt,
        sendId: command.sendId,
      },
    },
  ];
}

export type InvitationState = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

/** the state a person sees: a pending invitation past its expiry is `expired` */
export const invitationStateAt = (invitation: OrganizationState['invitations'] extends Map<string, infer I> ? I : never, now: string): InvitationState =>
  invitation.status === 'pending' && invitation.expiresAt <= now ? 'expired' : invitation.status;

/** every invitation of the organization with its state, by id (ids sort by creation), one page after `cursor` */
export function pageOfInvitations(state: OrganizationState, now: string, cursor: string | undefined, limit: number) {
  const ids = [...state.invitations.keys()].filter((id) => !cursor || id > cursor).sort();
  const page = ids.slice(0, limit).map((id) => {
    const invitation = state.invitations.get(id)!;
    return { id, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, status: invitationStateAt(invitation, now) };
  });
  return { items: page, nextCursor: ids.length > limit ? page[page.length - 1].id : null };
}
