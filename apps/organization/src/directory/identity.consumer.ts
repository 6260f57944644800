import { Injectable } from '@nestjs/common';
import { BusMessage, derivedEventId } from '@lib/messaging';
import { IdentityIntegrationEvent, identityEventSchemas, parseEnvelope } from '@lib/contracts';
import { IntegrationEventHandler } from '@lib/service-kit';
import { KnownUserRepository } from './known-user.repository';
import { AccountErasure } from '../account-deletion/account-erasure.service';

export const parseIdentityMessage = (message: BusMessage) => parseEnvelope(message, identityEventSchemas);

/** records what identity published, in organization's own log; a redelivery appends nothing */
@Injectable()
export class IdentityEventsConsumer implements IntegrationEventHandler<IdentityIntegrationEvent> {
  constructor(
    private readonly knownUsers: KnownUserRepository,
    private readonly erasure: AccountErasure,
  ) {}

  async handle(event: IdentityIntegrationEvent) {
    switch (event.type) {
      case 'UserRegistered': {
        const email = event.data.email.toLowerCase();
        await this.knownUsers.handle(
          email,
          { type: 'RecordUser', userId: event.data.userId, email, displayName: event.data.displayName },
          { at: event.occurredAt, actor: 'system:identity', causationId: event.id, correlationId: event.correlationId },
          { eventIds: (i) => derivedEventId('organization', event.id, i) },
        );
        return;
      }
      case 'EmailVerified': {
        const email = event.data.email.toLowerCase();
        await this.knownUsers.handle(
          email,
          { type: 'RecordEmailVerified', userId: event.data.userId, email },
          { at: event.occurredAt, actor: 'system:identity', causationId: event.id, correlationId: event.correlationId },
          { eventIds: (i) => derivedEventId('organization', event.id, i) },
        );
        return;
      }
      case 'UserDeleted':
        // memberships removed, keys forgotten, read models rebuilt (apps/organization/src/account-deletion)
        return this.erasure.erase(event);
    }
  }
}
