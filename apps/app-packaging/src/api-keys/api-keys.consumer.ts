import { Injectable } from '@nestjs/common';
import { ApiKeyIntegrationEvent, apiKeyEventSchemas, parseEnvelope } from '@lib/contracts';
import { BusMessage, derivedEventId } from '@lib/messaging';
import { IntegrationEventHandler } from '@lib/service-kit';
import { KnownApiKeyCommand } from './known-api-key.decider';
import { KnownApiKeyRepository } from './known-api-key.repository';

export const parseApiKeyMessage = (message: BusMessage) => parseEnvelope(message, apiKeyEventSchemas);

/** what app-packaging records for a key's record (the creation carries the hash of the secret, never the secret) */
export function knownApiKeyCommand(event: ApiKeyIntegrationEvent): KnownApiKeyCommand {
  const sourceRevision = event.sourceRevision;
  switch (event.type) {
    case 'ApiKeyCreated': {
      const { keyId, organizationId, name, role, secretHash } = event.data;
      return { type: 'RecordApiKey', keyId, organizationId, name, role, secretHash, sourceRevision };
    }
    case 'ApiKeyRevoked':
      return { type: 'RecordApiKeyRevocation', keyId: event.data.keyId, organizationId: event.data.organizationId, sourceRevision };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** records organization.api-keys.v1 into app-packaging's own log (derived event ids: a redelivery appends nothing) */
@Injectable()
export class ApiKeyEventsConsumer implements IntegrationEventHandler<ApiKeyIntegrationEvent> {
  constructor(private readonly keys: KnownApiKeyRepository) {}

  async handle(event: ApiKeyIntegrationEvent) {
    const metadata = { at: event.occurredAt, actor: 'system:organization', causationId: event.id, correlationId: event.correlationId ?? event.id };
    await this.keys.handle(event.data.keyId, knownApiKeyCommand(event), metadata, { eventIds: (i) => derivedEventId('app-packaging', event.id, i) });
  }
}
