import { BusMessage, MessageBus, MessageHandler } from '../message-bus.port';

/**
 * The embedded bus: delivery is a direct call. `publish` resolves when every subscribed group has handled
 * the message, and rejects if one of them threw, so the publisher (the outbox relay) does not move its
 * checkpoint and delivers again later: at-least-once, with nothing held only in memory.
 * Messages of a topic are delivered one at a time, in publish order.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly handlers = new Map<string, Map<string, MessageHandler>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** every message published to a topic nobody subscribes to is kept here (dead letters, tests) */
  readonly retained = new Map<string, BusMessage[]>();
  private closed = false;

  async publish(messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    for (const message of messages) {
      const groups = this.handlers.get(message.topic);
      if (!groups || groups.size === 0) {
        const list = this.retained.get(message.topic) ?? [];
        list.push(message);
        this.retained.set(message.topic, list);
        continue;
      }
      const previous = this.queues.get(message.topic) ?? Promise.resolve();
      const delivery = previous
        .catch(() => undefined)
        .then(async () => {
          for (const handler of groups.values()) await handler(structuredClone(message));
        });
      this.queues.set(message.topic, delivery);
      await delivery;
    }
  }

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    const groups = this.handlers.get(topic) ?? new Map<string, MessageHandler>();
    if (groups.has(group)) throw new Error(`group ${group} already subscribes to ${topic}`);
    groups.set(group, handler);
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
