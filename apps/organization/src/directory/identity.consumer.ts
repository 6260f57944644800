import { AggregateRepository } from '@lib/eventstore';
import { BusMessage, derivedEventId } from '@lib/messaging';
import { KnownUserCommand, KnownUserEvent, KnownUserState } from './known-user';
import { IdentityIntegrationEvent, identityEventSchemas, parseEnvelope } from '@lib/contracts';

export const parseIdentityMessage = (message: BusMessage) => parseEnvelope(message, identityEventSchemas);

/** records what identity published, in organization's own log; a redelivery appends nothing */
export async function handleIdentityMessage(knownUsers: AggregateRepository<KnownUserCommand, KnownUserEvent, KnownUserState>, event: IdentityIntegrationEvent) {
  switch (event.type) {
    case 'UserRegistered': {
      const email = event.data.email.toLowerCase();
      await knownUsers.handle(
        email,
        { type: 'RecordUser', userId: event.data.userId, email, displayName: event.data.displayName },
        { at: event.occurredAt, actor: 'system:identity', causationId: event.id, correlationId: event.correlationId },
        { eventIds: (i) => derivedEventId('organization', event.id, i) },
      );
      return;
    }
    case 'EmailVerified': {
      const email = event.data.email.toLowerCase();
      await knownUsers.handle(
        email,
        { type: 'RecordEmailVerified', userId: event.data.userId, email },
        { at: event.occurredAt, actor: 'system:identity', causationId: event.id, correlationId: event.correlationId },
        { eventIds: (i) => derivedEventId('organization', event.id, i) },
      );
      return;
    }
  }
}
