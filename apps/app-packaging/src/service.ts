import { IDENTITY_EVENTS_TOPIC, ORGANIZATION_API_KEYS_TOPIC, ORGANIZATION_EVENTS_TOPIC, PACKAGING_EVENTS_TOPIC } from '@lib/contracts';

/** what app-packaging needs set when it runs as its own process (docker-compose.yml and deploy/ are checked against it) */
export const SERVICE_REQUIRED_ENV = ['REGION', 'PORT', 'DATA_DIR', 'OPERATOR_TOKEN', 'BUS', 'KAFKA_BROKERS', 'EVENT_STORE', 'JWKS_URL', 'OBJECT_STORAGE'] as const;

/** the topics created up front (with their dead-letter topics) by every service, whichever starts first */
export const SERVICE_TOPICS = [IDENTITY_EVENTS_TOPIC, ORGANIZATION_EVENTS_TOPIC, PACKAGING_EVENTS_TOPIC];
/** app-packaging also reads organization.api-keys.v1 (the keys it accepts): it creates that topic (and its .dlq) too */
export const PACKAGING_TOPICS = [...SERVICE_TOPICS, ORGANIZATION_API_KEYS_TOPIC];
