import { createHash } from 'node:crypto';
import { BusMessage, deadLetterTopic, HEADER, MessageBus } from './message-bus.port';

export interface ParseResult<T> {
  ok: boolean;
  value?: T;
  reason?: string;
}

export interface ConsumerOptions<T> {
  bus: MessageBus;
  topic: string;
  group: string;
  /** validates a message against the integration contract */
  parse: (message: BusMessage) => ParseResult<T>;
  /**
   * applies a valid message. It must be idempotent: services append their own event with an id derived
   * from the source event id (and guard on the source revision), so a redelivery changes nothing.
   */
  handle: (value: T, message: BusMessage) => Promise<void>;
  onDeadLetter?: (message: BusMessage, reason: string) => void;
}

/**
 * Subscribes a handler; what cannot be parsed or validated goes to the topic's dead-letter topic with the
 * reason, and consumption goes on. An exception from `handle` is not a dead letter: it is a failure to
 * process, and the bus delivers the message again.
 */
export async function consume<T>(options: ConsumerOptions<T>): Promise<void> {
  await options.bus.subscribe(options.topic, options.group, async (message) => {
    const parsed = options.parse(message);
    if (!parsed.ok) {
      const reason = parsed.reason ?? 'invalid message';
      await options.bus.publish([deadLetter(options, message, reason)]);
      options.onDeadLetter?.(message, reason);
      return;
    }
    await options.handle(parsed.value as T, message);
  });
}

function deadLetter(options: { topic: string; group: string }, message: BusMessage, reason: string): BusMessage {
  return {
    topic: deadLetterTopic(options.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [HEADER.deadLetterReason]: reason,
      [HEADER.deadLetterSourceTopic]: options.topic,
      [HEADER.deadLetterGroup]: options.group,
    },
  };
}

export interface BatchConsumerOptions<T> extends Omit<ConsumerOptions<T>, 'handle'> {
  /**
   * applies the valid messages of a batch, in order, and resolves once all of them are durably applied
   * (services decide each one and append the batch's events in one transaction). It must be idempotent,
   * as `handle` must: after a failure the whole batch comes again.
   */
  handleBatch: (items: { value: T; message: BusMessage }[]) => Promise<void>;
  /** the most messages per batch (default 1000) */
  maxMessages?: number;
}

/**
 * The batched form of `consume`: each batch is parsed and validated message by message; what is invalid is
 * dead-lettered (with its reason) without holding up the rest of the batch, the valid ones go to
 * `handleBatch` together. The dead letters are published after the valid messages were applied, so a batch
 * retried after a failure of `handleBatch` does not dead-letter the same message twice; the offsets move
 * past the batch only once both are done.
 */
export async function consumeBatches<T>(options: BatchConsumerOptions<T>): Promise<void> {
  await options.bus.subscribeBatch(
    options.topic,
    options.group,
    async (messages) => {
      const valid: { value: T; message: BusMessage }[] = [];
      const rejected: { message: BusMessage; reason: string }[] = [];
      for (const message of messages) {
        const parsed = options.parse(message);
        if (parsed.ok) valid.push({ value: parsed.value as T, message });
        else rejected.push({ message, reason: parsed.reason ?? 'invalid message' });
      }
      if (valid.length > 0) await options.handleBatch(valid);
      if (rejected.length > 0) {
        await options.bus.publish(rejected.map((r) => deadLetter(options, r.message, r.reason)));
        for (const r of rejected) options.onDeadLetter?.(r.message, r.reason);
      }
    },
    { maxMessages: options.maxMessages },
  );
}

/**
 * A deterministic event id for what a consumer appends because of a source event: the same source event
 * (redelivered) always yields the same id, so the store refuses to record it twice.
 */
export function derivedEventId(consumer: string, sourceEventId: string, index = 0): string {
  const hash = createHash('sha256').update(`${consumer}\u0000${sourceEventId}\u0000${index}`).digest('hex');
  const variant = ((parseInt(hash[16], 16) & 0x3) | 0x8).toString(16);
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-${variant}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
}
