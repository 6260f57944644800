import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { IDENTITY_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { unknownEvent } from '@lib/service-kit';
import { UserEvent } from './user.decider';

/** identity publishes who registered (never the password hash) */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith('user-')) return null;
  const e = { type: event.type, data: event.data } as UserEvent;
  switch (e.type) {
    case 'UserRegistered':
      return toBusMessage(IDENTITY_EVENTS_TOPIC, {
        id: event.id,
        type: 'UserRegistered',
        schemaVersion: 1,
        source: 'identity',
        subject: e.data.userId,
        sourceRevision: event.revision,
        occurredAt: String(event.metadata.at ?? event.recordedAt),
        ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
        data: { userId: e.data.userId, email: e.data.email, displayName: e.data.displayName },
      });
    case 'MembershipGranted': // internal: identity's copy of what organization published
    case 'MembershipRoleChanged':
    case 'MembershipRevoked':
      return null;
    default:
      return unknownEvent(e);
  }
}
