import { AUDIT_INGEST_TOPIC, IDENTITY_EVENTS_TOPIC, ORGANIZATION_API_KEYS_TOPIC, ORGANIZATION_EVENTS_TOPIC, PACKAGING_EVENTS_TOPIC } from '@lib/contracts';

/** what organization needs set when it runs as its own process (docker-compose.yml and deploy/ are checked against it) */
export const SERVICE_REQUIRED_ENV = ['REGION', 'PORT', 'DATA_DIR', 'OPERATOR_TOKEN', 'BUS', 'KAFKA_BROKERS', 'EVENT_STORE', 'JWKS_URL', 'SECRETS_MASTER_KEY'] as const;

/** the topics created up front (with their dead-letter topics) by every service, whichever starts first */
export const SERVICE_TOPICS = [IDENTITY_EVENTS_TOPIC, ORGANIZATION_EVENTS_TOPIC, PACKAGING_EVENTS_TOPIC];
/**
 * organization also reads audit.ingest.v1, which other teams write, and writes organization.api-keys.v1, which
 * app-packaging reads: it creates those topics (and their .dlq) too
 */
export const ORGANIZATION_TOPICS = [...SERVICE_TOPICS, AUDIT_INGEST_TOPIC, ORGANIZATION_API_KEYS_TOPIC];
