import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { IDENTITY_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { envelopeBase, unknownEvent } from '@lib/service-kit';
import { UserEvent } from './user.decider';
import { VERIFICATION_STREAM_PREFIX, VerificationEvent } from '../verification/verification.decider';

/** identity publishes who registered and who verified their email (never a password or token hash) */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  const common = envelopeBase(event, 'identity', '');
  if (event.streamName.startsWith(VERIFICATION_STREAM_PREFIX)) {
    const e = { type: event.type, data: event.data } as VerificationEvent;
    switch (e.type) {
      case 'EmailVerified':
        return toBusMessage(IDENTITY_EVENTS_TOPIC, { ...common, type: 'EmailVerified', subject: e.data.userId, data: { userId: e.data.userId, email: e.data.email } });
      case 'EmailVerificationRequested': // internal: holds only the link token's hash
        return null;
      default:
        return unknownEvent(e);
    }
  }
  if (!event.streamName.startsWith('user-')) return null;
  const e = { type: event.type, data: event.data } as UserEvent;
  switch (e.type) {
    case 'UserRegistered':
      return toBusMessage(IDENTITY_EVENTS_TOPIC, {
        ...common,
        type: 'UserRegistered',
        subject: e.data.userId,
        data: { userId: e.data.userId, email: e.data.email, displayName: e.data.displayName },
      });
    case 'UserDeleted':
      return toBusMessage(IDENTITY_EVENTS_TOPIC, { ...common, type: 'UserDeleted', subject: e.data.userId, data: { userId: e.data.userId } });
    case 'MembershipGranted': // internal: identity's copy of what organization published
    case 'MembershipRoleChanged':
    case 'MembershipRevoked':
    case 'PasswordChanged': // internal: a password hash never leaves identity
      return null;
    default:
      return unknownEvent(e);
  }
}
