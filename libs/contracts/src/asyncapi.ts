import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { CatalogTopic, TOPIC_CATALOG } from './catalog';
import { envelopeSchema } from './envelope';
import { CLOUDEVENTS_HEADERS, cloudEventSource, cloudEventType } from './cloudevents';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft-07, inlined, no `$schema`) of a zod schema: the AsyncAPI schema format accepts it */
export function jsonSchemaOf(schema: z.ZodTypeAny): JsonSchema {
  // zodToJsonSchema's generic signature is too deep for tsc over our unions: call it through a plain type
  const convert = zodToJsonSchema as unknown as (s: z.ZodTypeAny, o: object) => JsonSchema;
  const { $schema: _ignored, ...json } = convert(schema, { target: 'jsonSchema7', $refStrategy: 'none' });
  return json;
}

/** the record value of one event type: the envelope with `type` fixed and `data` of the type's schema */
export function messagePayloadSchema(type: string, data: z.ZodTypeAny): JsonSchema {
  return jsonSchemaOf(envelopeSchema.extend({ type: z.literal(type), data }));
}

const headerString = (description: string, extra: JsonSchema = {}) => ({ type: 'string', description, ...extra });

/** the Kafka record headers every message carries (CloudEvents binary mode, and the v1 headers kept for one version) */
export function messageHeadersSchema(topic: CatalogTopic, type: string): JsonSchema {
  return {
    type: 'object',
    properties: {
      [CLOUDEVENTS_HEADERS.id]:
        topic.producer === 'external'
          ? headerString('CloudEvents id: unique per ce_source; a repeat is recorded once', { minLength: 1, maxLength: 200 })
          : headerString('CloudEvents id: the envelope id (a UUID); receivers drop repeats by it', { format: 'uuid' }),
      [CLOUDEVENTS_HEADERS.source]: headerString(
        topic.producer === 'external' ? 'CloudEvents source: the producing service (named in the audit trail)' : 'CloudEvents source: the producing service',
        topic.producer === 'external' ? { minLength: 1 } : { const: cloudEventSource(topic.producer) },
      ),
      [CLOUDEVENTS_HEADERS.type]: headerString('CloudEvents type', { const: cloudEventType(type) }),
      [CLOUDEVENTS_HEADERS.specversion]: headerString('CloudEvents spec version', { const: '1.0' }),
      [CLOUDEVENTS_HEADERS.time]: headerString('CloudEvents time: when the event occurred', { format: 'date-time' }),
      [CLOUDEVENTS_HEADERS.subject]: headerString('CloudEvents subject: the organization or user the event is about (also the record key)'),
      [CLOUDEVENTS_HEADERS.contentType]: headerString('CloudEvents datacontenttype', { const: 'application/json' }),
      ...(topic.producer === 'external'
        ? {}
        : {
            'event-id': headerString('deprecated (kept for one version): use ce_id', { format: 'uuid' }),
            'event-type': headerString('deprecated (kept for one version): the envelope type', { const: type }),
            'schema-version': headerString('deprecated (kept for one version): the envelope schemaVersion', { const: '1' }),
            'correlation-id': headerString('the request that caused the event, when there was one'),
          }),
    },
    required: Object.values(CLOUDEVENTS_HEADERS),
  };
}

function channelKey(topic: string) {
  return topic.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** the AsyncAPI 3.0 document of every topic in the catalog, as committed in docs/asyncapi.json */
export function asyncApiDocument(): JsonSchema {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  for (const topic of TOPIC_CATALOG) {
    const key = channelKey(topic.topic);
    const channelMessages: JsonSchema = {};
    for (const [type, schema] of Object.entries(topic.schemas)) {
      const messageKey = `${key}.${type}`;
      messages[messageKey] = {
        name: type,
        title: type,
        contentType: 'application/json',
        headers: messageHeadersSchema(topic, type),
        payload: topic.format === 'envelope' ? messagePayloadSchema(type, schema) : jsonSchemaOf(schema),
        bindings: { kafka: { key: { type: 'string', description: topic.key }, bindingVersion: '0.5.0' } },
      };
      channelMessages[type] = { $ref: `#/components/messages/${messageKey}` };
    }
    channels[key] = {
      address: topic.topic,
      title: topic.topic,
      description: `${topic.description} Written by ${topic.producer}; keyed by ${topic.key}. What a consumer cannot read goes to ${topic.topic}.dlq with the reason in the dead-letter-reason header.`,
      messages: channelMessages,
      bindings: { kafka: { topic: topic.topic, bindingVersion: '0.5.0' } },
    };
    operations[`${topic.direction === 'publish' ? 'publish' : 'consume'}_${key}`] = {
      action: topic.direction === 'publish' ? 'send' : 'receive',
      title: `${topic.direction === 'publish' ? `${topic.producer} publishes` : 'the platform consumes'} ${topic.topic}`,
      channel: { $ref: `#/channels/${key}` },
      messages: Object.keys(channelMessages).map((type) => ({ $ref: `#/channels/${key}/messages/${type}` })),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Organizations control plane: integration events',
      version: '1',
      description:
        'Every topic the control plane publishes or consumes. Each record is a JSON envelope (`id`, `type`, `schemaVersion`, `source`, `subject`, `sourceRevision`, `occurredAt`, `data`) with the CloudEvents 1.0 Kafka binding in binary mode in its headers (the CloudEvent data is the envelope). A change that would break a running consumer becomes a new topic version (`.v2`); within a version, fields and event types are only added.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '${KAFKA_BROKERS}',
        protocol: 'kafka',
        description: 'the region stack\'s Kafka cluster (one per region: us, eu, apac)',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

/** the document as written to docs/asyncapi.json (stable key order, trailing newline) */
export function renderAsyncApi(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}
