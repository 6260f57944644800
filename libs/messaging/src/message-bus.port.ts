/** The message bus port: topics, keys (ordering), headers. Events only: there is no request-reply. */
export interface BusMessage {
  topic: string;
  /** ordering key: messages with the same key are delivered in the order they were published */
  key: string;
  value: string;
  headers: Record<string, string>;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

/**
 * Handles consecutive messages of one partition (in-process: of one topic), in order. It resolves once every
 * message of the batch is durably applied (or dead-lettered); a throw gets the whole batch again, so it must
 * be idempotent, as a MessageHandler must.
 */
export type BatchMessageHandler = (messages: BusMessage[]) => Promise<void>;

export interface BatchSubscribeOptions {
  /** the most messages handed to one call (default 1000) */
  maxMessages?: number;
}

export interface MessageBus {
  /** resolves once the bus has durably accepted every message (in-process: once every subscriber settled) */
  publish(messages: BusMessage[]): Promise<void>;
  /** one handler per (topic, group); a handler that throws gets the message again (at-least-once) */
  subscribe(topic: string, group: string, handler: MessageHandler): Promise<void>;
  /**
   * as `subscribe`, but the handler gets what is available, per partition and in order, in batches of up to
   * `maxMessages`; offsets move past a batch only once its handler resolved
   */
  subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options?: BatchSubscribeOptions): Promise<void>;
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
