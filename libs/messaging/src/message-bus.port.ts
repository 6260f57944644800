/** The message bus port: topics, keys (ordering), headers. Events only: there is no request-reply. */
export interface BusMessage {
  topic: string;
  /** ordering key: messages with the same key are delivered in the order they were published */
  key: string;
  value: string;
  headers: Record<string, string>;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface MessageBus {
  /** resolves once the bus has durably accepted every message (in-process: once every subscriber settled) */
  publish(messages: BusMessage[]): Promise<void>;
  /** one handler per (topic, group); a handler that throws gets the message again (at-least-once) */
  subscribe(topic: string, group: string, handler: MessageHandler): Promise<void>;
  /** readiness probe */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

export const HEADER = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  deadLetterReason: 'dead-letter-reason',
  deadLetterSourceTopic: 'dead-letter-source-topic',
  deadLetterGroup: 'dead-letter-group',
} as const;

export const deadLetterTopic = (topic: string) => `${topic}.dlq`;
