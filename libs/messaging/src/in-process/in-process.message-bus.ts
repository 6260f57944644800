import { BatchMessageHandler, BatchSubscribeOptions, BusMessage, MessageBus, MessageHandler } from '../message-bus.port';
import { runsByTopic } from '../runs-by-topic';

type Subscriber = { kind: 'each'; handler: MessageHandler } | { kind: 'batch'; handler: BatchMessageHandler; maxMessages: number };

/**
 * The embedded bus: delivery is a direct call. `publish` resolves when every subscribed group has handled
 * the messages, and rejects if one of them threw, so the publisher (the outbox relay) does not move its
 * checkpoint and delivers again later: at-least-once, with nothing held only in memory.
 * Messages of a topic are delivered in publish order: one at a time to `subscribe` handlers, and as one
 * batch per run of consecutive messages to the topic (up to `maxMessages`) to `subscribeBatch` handlers, so
 * a relay catching up hands a batched consumer hundreds of messages per call.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly handlers = new Map<string, Map<string, Subscriber>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** every message published to a topic nobody subscribes to is kept here (dead letters, tests) */
  readonly retained = new Map<string, BusMessage[]>();
  private closed = false;

  async publish(messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    for (const run of runsByTopic(messages)) {
      const groups = this.handlers.get(run.topic);
      if (!groups || groups.size === 0) {
        const list = this.retained.get(run.topic) ?? [];
        list.push(...run.messages);
        this.retained.set(run.topic, list);
        continue;
      }
      const previous = this.queues.get(run.topic) ?? Promise.resolve();
      const delivery = previous
        .catch(() => undefined)
        .then(() => deliver([...groups.values()], run.messages));
      this.queues.set(run.topic, delivery);
      await delivery;
    }
  }

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    this.add(topic, group, { kind: 'each', handler });
  }

  async subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options: BatchSubscribeOptions = {}): Promise<void> {
    this.add(topic, group, { kind: 'batch', handler, maxMessages: Math.max(1, options.maxMessages ?? 1000) });
  }

  private add(topic: string, group: string, subscriber: Subscriber) {
    const groups = this.handlers.get(topic) ?? new Map<string, Subscriber>();
    if (groups.has(group)) throw new Error(`group ${group} already subscribes to ${topic}`);
    groups.set(group, subscriber);
    this.handlers.set(topic, groups);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.queues.values()]);
  }
}

/** each message to every per-message group in turn (as before batching existed), then the run to the batch groups */
async function deliver(subscribers: Subscriber[], messages: BusMessage[]) {
  const each = subscribers.filter((s) => s.kind === 'each');
  if (each.length > 0) {
    for (const message of messages) for (const s of each) await s.handler(structuredClone(message));
  }
  for (const s of subscribers) {
    if (s.kind !== 'batch') continue;
    for (let i = 0; i < messages.length; i += s.maxMessages) {
      await s.handler(messages.slice(i, i + s.maxMessages).map((m) => structuredClone(m)));
    }
  }
}
