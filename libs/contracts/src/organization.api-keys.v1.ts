import { z } from 'zod';
import { Envelope } from './envelope';

/**
 * Organization API keys for the services that accept them besides organization (app-packaging): a key's
 * organization, role and the SHA-256 of its 256-bit secret (never the secret), and its revocation. A topic of
 * its own, not organization.events.v1: that topic is open to customers' webhooks and to every internal
 * subscriber, and a credential's verifier has no place there. Keyed by the organization id, so a key's
 * records keep their order; `sourceRevision` is the revision of the key's own stream.
 */
export const ORGANIZATION_API_KEYS_TOPIC = 'organization.api-keys.v1';

const key = { organizationId: z.string().min(1), keyId: z.string().regex(/^key-[a-z0-9-]{1,120}$/) };

export const apiKeyEventSchemas = {
  ApiKeyCreated: z
    .object({ ...key, name: z.string(), role: z.enum(['Developer', 'Agent']), secretHash: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })
    .strict(),
  ApiKeyRevoked: z.object({ ...key }).strict(),
} as const;

export type ApiKeyIntegrationEvent = {
  [K in keyof typeof apiKeyEventSchemas]: Envelope<K, z.infer<(typeof apiKeyEventSchemas)[K]>>;
}[keyof typeof apiKeyEventSchemas];
