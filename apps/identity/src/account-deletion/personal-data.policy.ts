import { PersonalDataPolicy, SubjectOf } from '@lib/eventstore';

const byUser: SubjectOf = (d) => (typeof d.userId === 'string' ? `user:${d.userId}` : null);
const byEmail: SubjectOf = (d) => (typeof d.email === 'string' ? `email:${d.email.toLowerCase()}` : null);

/**
 * What identity's events hold that is personal (docs/personal-data.md): sealed with the user's key, or the
 * invited address's key before the person has an account. Streams named by an email get a keyed pseudonym.
 */
export const identityPersonalData: PersonalDataPolicy = {
  events: {
    UserRegistered: { email: byUser, displayName: byUser },
    EmailVerified: { email: byUser },
    InvitationRecorded: { email: byEmail },
  },
  pseudonymousStreams: ['email-', 'invitations-'],
};
