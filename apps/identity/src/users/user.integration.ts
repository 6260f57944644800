import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { IDENTITY_EVENTS_TOPIC, toBusMessage } from '@lib/contracts';
import { UserEvent } from './user.decider';
import { VERIFICATION_STREAM_PREFIX, VerificationEvent } from '../verification/verification.decider';

/** identity publishes who registered and who verified their email (never a password or token hash) */
export function toIntegrationMessage(event: RecordedEvent): BusMessage | null {
  const common = {
    id: event.id,
    schemaVersion: 1 as const,
    source: 'identity' as const,
    sourceRevision: event.revision,
    occurredAt: String(event.metadata.at ?? event.recordedAt),
    ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
  };
  if (event.type === 'EmailVerified' && event.streamName.startsWith(VERIFICATION_STREAM_PREFIX)) {
    const data = (event as unknown as Extract<VerificationEvent, { type: 'EmailVerified' }>).data;
    return toBusMessage(IDENTITY_EVENTS_TOPIC, { ...common, type: 'EmailVerified', subject: data.userId, data: { userId: data.userId, email: data.email } });
  }
  if (event.type !== 'UserRegistered' || !event.streamName.startsWith('user-')) return null;
  const data = (event as unknown as Extract<UserEvent, { type: 'UserRegistered' }>).data;
  return toBusMessage(IDENTITY_EVENTS_TOPIC, {
    ...common,
    type: 'UserRegistered',
    subject: data.userId,
    data: { userId: data.userId, email: data.email, displayName: data.displayName },
  });
}
