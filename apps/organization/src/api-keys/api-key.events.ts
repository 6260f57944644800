import { Role } from '@lib/contracts';

/** one stream per organization API key; the key's secret is stored as its SHA-256 hash only */
export const API_KEY_STREAM_PREFIX = 'api-key-';
export const apiKeyStream = (keyId: string) => `${API_KEY_STREAM_PREFIX}${keyId}`;

export type ApiKeyRole = Extract<Role, 'Developer' | 'Agent'>;
export const API_KEY_ROLES: readonly ApiKeyRole[] = ['Developer', 'Agent'];

export type ApiKeyEvent =
  | {
      type: 'ApiKeyCreated';
      data: { keyId: string; organizationId: string; name: string; role: ApiKeyRole; secretHash: string; createdBy: string; createdAt: string };
    }
  | { type: 'ApiKeyRevoked'; data: { keyId: string; organizationId: string; revokedBy: string; revokedAt: string } };

export const API_KEY_EVENT_TYPES: readonly ApiKeyEvent['type'][] = ['ApiKeyCreated', 'ApiKeyRevoked'];

/** the audit entry of a key's own event (its actions elsewhere are audited as `key:<keyId>`) */
export function describeApiKeyEvent(event: ApiKeyEvent, actor: string) {
  switch (event.type) {
    case 'ApiKeyCreated':
      return {
        organizationId: event.data.organizationId,
        at: event.data.createdAt,
        actor,
        action: 'api_key.created',
        subject: `key:${event.data.keyId}`,
        details: { name: event.data.name, role: event.data.role },
      };
    case 'ApiKeyRevoked':
      return { organizationId: event.data.organizationId, at: event.data.revokedAt, actor, action: 'api_key.revoked', subject: `key:${event.data.keyId}`, details: {} };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
