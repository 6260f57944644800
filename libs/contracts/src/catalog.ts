import { z } from 'zod';
import { IDENTITY_EVENTS_TOPIC, identityEventSchemas } from './identity.events.v1';
import { ORGANIZATION_EVENTS_TOPIC, organizationEventSchemas } from './organization.events.v1';
import { PACKAGING_EVENTS_TOPIC, packagingEventSchemas } from './packaging.events.v1';
import { AUDIT_INGEST_TOPIC, auditIngestSchemas } from './audit.ingest.v1';
import { apiKeyEventSchemas, ORGANIZATION_API_KEYS_TOPIC } from './organization.api-keys.v1';

/**
 * Every topic of the platform, who writes it and what it carries. The AsyncAPI document, the compatibility
 * tests and the README's subscription guide are all derived from this list, so a topic cannot be added
 * without appearing in the catalog.
 */
export interface CatalogTopic {
  topic: string;
  /** the service that writes the topic (`external` when internal teams write it and we read it) */
  producer: 'identity' | 'organization' | 'app-packaging' | 'external';
  /** `publish`: we write it and others may subscribe; `consume`: other teams write it and we read it */
  direction: 'publish' | 'consume';
  /** `envelope`: the JSON envelope with `data` inside; `data`: the record value is the event's data itself */
  format: 'envelope' | 'data';
  /** what a record's key is (the ordering key) */
  key: string;
  description: string;
  schemas: Record<string, z.ZodTypeAny>;
}

export const TOPIC_CATALOG: readonly CatalogTopic[] = [
  {
    topic: IDENTITY_EVENTS_TOPIC,
    producer: 'identity',
    direction: 'publish',
    format: 'envelope',
    key: 'the user id',
    description: 'Users who registered (never credentials).',
    schemas: identityEventSchemas,
  },
  {
    topic: ORGANIZATION_EVENTS_TOPIC,
    producer: 'organization',
    direction: 'publish',
    format: 'envelope',
    key: 'the organization id',
    description: 'Organizations, memberships and roles, invitations and org-level resources (never their configuration or secrets).',
    schemas: organizationEventSchemas,
  },
  {
    topic: PACKAGING_EVENTS_TOPIC,
    producer: 'app-packaging',
    direction: 'publish',
    format: 'envelope',
    key: 'the organization id',
    description: 'The lifecycle of apps: created, imported, published, needing configuration; AppAudited for every action with its actor.',
    schemas: packagingEventSchemas,
  },
  {
    topic: AUDIT_INGEST_TOPIC,
    producer: 'external',
    direction: 'consume',
    format: 'data',
    key: 'the organization id',
    description:
      'Internal services publish organization-scoped audit events; the organization service records each once (by ce_source and ce_id) in the organization\'s audit trail, attributed to ce_source. Invalid records and organizations of another region go to the dead-letter topic with the reason.',
    schemas: auditIngestSchemas,
  },
  {
    topic: ORGANIZATION_API_KEYS_TOPIC,
    producer: 'organization',
    direction: 'publish',
    format: 'envelope',
    key: 'the organization id',
    description:
      'Internal: organization API keys for the services that accept them (app-packaging): organization, role and the SHA-256 of the 256-bit secret (never the secret), and revocations. Not for webhooks or other subscribers.',
    schemas: apiKeyEventSchemas,
  },
];

/** the catalog entry of a topic, or undefined */
export const catalogTopic = (topic: string) => TOPIC_CATALOG.find((t) => t.topic === topic);
