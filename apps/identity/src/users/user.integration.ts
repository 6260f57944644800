import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { IDENTITY_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { UserEvent } from './user.decider';

/** identity publishes who registered (never the password hash) */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  if (event.type !== 'UserRegistered' || !event.streamName.startsWith('user-')) return null;
  const data = (event as unknown as Extract<UserEvent, { type: 'UserRegistered' }>).data;
  return toBusMessage(IDENTITY_EVENTS_TOPIC, {
    id: event.id,
    type: 'UserRegistered',
    schemaVersion: 1,
    source: 'identity',
    subject: data.userId,
    sourceRevision: event.revision,
    occurredAt: String(event.metadata.at ?? event.recordedAt),
    ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
    data: { userId: data.userId, email: data.email, displayName: data.displayName },
  });
}
