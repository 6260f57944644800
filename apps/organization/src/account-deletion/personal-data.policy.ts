import { PersonalDataPolicy, SubjectOf } from '@lib/eventstore';

const byUser: SubjectOf = (d) => (typeof d.userId === 'string' ? `user:${d.userId}` : null);
const byEmail: SubjectOf = (d) => (typeof d.email === 'string' ? `email:${d.email.toLowerCase()}` : null);

/**
 * What organization's events hold that is personal (docs/personal-data.md): a member's email under the user's
 * key, an invitation's address under the address's key (the invitee may have no account), what identity
 * published about a user (email, display name) under the user's key. Streams named by an email get a pseudonym.
 */
export const organizationPersonalData: PersonalDataPolicy = {
  events: {
    MemberAdded: { email: byUser },
    MemberRemoved: { email: byUser },
    InvitationCreated: { email: byEmail },
    InvitationRevoked: { email: byEmail },
    InvitationAccepted: { email: byEmail },
    InvitationDeclined: { email: byEmail },
    InvitationResent: { email: byEmail },
    UserKnown: { email: byUser, displayName: byUser },
    UserEmailVerified: { email: byUser },
  },
  pseudonymousStreams: ['known-user-'],
};
