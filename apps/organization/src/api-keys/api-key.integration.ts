import { RecordedEvent } from '@lib/eventstore';
import { BusMessage } from '@lib/messaging';
import { envelopeBase, unknownEvent } from '@lib/service-kit';
import { ApiKeyIntegrationEvent, ORGANIZATION_API_KEYS_TOPIC, toBusMessage } from '@lib/contracts';
import { API_KEY_STREAM_PREFIX, ApiKeyEvent } from './api-key.events';

/**
 * The record published on organization.api-keys.v1 for a key's stored event, so that the other services that
 * accept keys (app-packaging) verify them from their own copy: the hash of the secret, never the secret.
 */
export function toApiKeyIntegrationMessage(event: RecordedEvent): BusMessage | null {
  if (!event.streamName.startsWith(API_KEY_STREAM_PREFIX)) return null;
  const e = { type: event.type, data: event.data } as ApiKeyEvent;
  const base = envelopeBase(event, 'organization', e.data.organizationId);
  let integration: ApiKeyIntegrationEvent;
  switch (e.type) {
    case 'ApiKeyCreated': {
      const { organizationId, keyId, name, role, secretHash } = e.data;
      integration = { ...base, type: e.type, data: { organizationId, keyId, name, role, secretHash } };
      break;
    }
    case 'ApiKeyRevoked':
      integration = { ...base, type: e.type, data: { organizationId: e.data.organizationId, keyId: e.data.keyId } };
      break;
    default:
      return unknownEvent(e);
  }
  return toBusMessage(ORGANIZATION_API_KEYS_TOPIC, integration);
}
