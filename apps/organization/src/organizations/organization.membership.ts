import { DomainError, assertNever } from '@lib/eventstore';
import { notAMember } from '@lib/auth';
import type { MembershipCommand } from './organization.commands';
import type { OrganizationState } from './organization.state';
import type { MembershipEvent } from './organization.events';
import { active, authorize, organizationNotFound } from './organization.rules';
import { decideDeclineInvitation, decideResendInvitation } from '../invitations/invitation-lifecycle';

const lastAdmin = () =>
  new DomainError('conflict', 'an organization keeps at least one Admin: promote another member first', 'last-admin');

/** invitations and members: who joins, with which role, and who leaves (an organization keeps one Admin) */
export function decideMembership(command: MembershipCommand, state: OrganizationState): MembershipEvent[] {
  if (!state.exists) throw organizationNotFound();
  const organizationId = state.id;

  switch (command.type) {
    case 'InviteMember': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      if (state.memberByEmail.has(command.email)) {
        throw new DomainError('conflict', `${command.email} is already a member`, 'already-member');
      }
      const pendingId = state.pendingByEmail.get(command.email);
      const pending = pendingId ? state.invitations.get(pendingId) : undefined;
      if (pending && pending.expiresAt > command.at) {
        throw new DomainError('conflict', `${command.email} already has a pending invitation`, 'invitation-pending', {
          invitationId: pending.id,
        });
      }
      const { invitationId, email, role, expiresAt } = command;
      return [{ type: 'InvitationCreated', data: { organizationId, invitationId, email, role, expiresAt } }];
    }

    case 'RevokeInvitation': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      const invitation = state.invitations.get(command.invitationId);
      if (!invitation) throw new DomainError('not_found', 'invitation not found', 'invitation-not-found');
      if (invitation.status !== 'pending') {
        throw new DomainError('conflict', `the invitation is already ${invitation.status}`, 'invitation-not-pending');
      }
      return [{ type: 'InvitationRevoked', data: { organizationId, invitationId: invitation.id, email: invitation.email } }];
    }

    case 'DeclineInvitation':
      return decideDeclineInvitation(state, command);

    case 'ResendInvitation':
      authorize(state, command.actor, 'members.manage');
      active(state);
      return decideResendInvitation(state, command);

    case 'AcceptInvitation': {
      const invitation = state.invitations.get(command.invitationId);
      // an invitation addressed to someone else is reported as missing: its existence is not the caller's business
      if (!invitation || invitation.email !== command.email) {
        throw new DomainError('not_found', 'invitation not found', 'invitation-not-found');
      }
      active(state);
      if (invitation.status === 'revoked') throw new DomainError('forbidden', 'the invitation was revoked', 'invitation-revoked');
      if (invitation.status === 'declined') throw new DomainError('conflict', 'the invitation was declined', 'invitation-declined');
      if (state.members.has(command.userId)) {
        throw new DomainError('conflict', 'you are already a member of this organization', 'already-member');
      }
      if (invitation.status === 'accepted') {
        throw new DomainError('conflict', 'the invitation was already used', 'invitation-used');
      }
      if (invitation.expiresAt <= command.at) {
        throw new DomainError('gone', `the invitation expired at ${invitation.expiresAt}`, 'invitation-expired');
      }
      return [
        { type: 'InvitationAccepted', data: { organizationId, invitationId: invitation.id, email: invitation.email, userId: command.userId } },
        {
          type: 'MemberAdded',
          data: { organizationId, userId: command.userId, email: invitation.email, role: invitation.role, via: 'invitation' },
        },
      ];
    }

    case 'ChangeMemberRole': {
      authorize(state, command.actor, 'members.manage');
      active(state);
      const member = state.members.get(command.userId);
      if (!member) throw new DomainError('not_found', 'member not found', 'member-not-found');
      if (member.role === command.role) return [];
      if (member.role === 'Admin' && state.admins <= 1) throw lastAdmin();
      return [{ type: 'MemberRoleChanged', data: { organizationId, userId: member.userId, from: member.role, to: command.role } }];
    }

    case 'RemoveMember': {
      if (command.accountDeleted && command.actor.kind === 'system') {
        // the account no longer exists: nothing can keep it a member, suspended organization or last Admin alike
        const gone = state.members.get(command.userId);
        if (!gone) return [];
        return [{ type: 'MemberRemoved', data: { organizationId, userId: gone.userId, email: gone.email, role: gone.role, by: 'account-deleted' } }];
      }
      const self = command.actor.kind === 'user' && command.actor.userId === command.userId;
      if (!self) authorize(state, command.actor, 'members.manage');
      else if (!state.members.has(command.userId)) throw notAMember();
      active(state);
      const member = state.members.get(command.userId);
      if (!member) throw new DomainError('not_found', 'member not found', 'member-not-found');
      if (member.role === 'Admin' && state.admins <= 1) throw lastAdmin();
      return [
        {
          type: 'MemberRemoved',
          data: { organizationId, userId: member.userId, email: member.email, role: member.role, by: self ? 'self' : 'admin' },
        },
      ];
    }

    default:
      return assertNever(command);
  }
}
