import { InProcessMessageBus } from './in-process/in-process.message-bus';
import { ConsumerProgress, KafkaMessageBus } from './kafka/kafka.message-bus';
import { Backoff, sleep } from '@lib/eventstore';
import { BatchMessageHandler, BatchSubscribeOptions, BusMessage, MessageBus, MessageHandler } from './message-bus.port';

export interface MessageBusConfig {
  BUS: 'in-process' | 'kafka';
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
  /** prefix of every topic and consumer group this stack uses (several stacks or test runs on one cluster) */
  KAFKA_NAMESPACE?: string;
}

/** the configured bus for a service; Kafka is wrapped so that a broker that is down at boot is waited for */
export function createMessageBus(config: MessageBusConfig, clientId: string, topics: string[]): MessageBus {
  if (config.BUS === 'in-process') return new InProcessMessageBus();
  const namespace = config.KAFKA_NAMESPACE ? `${config.KAFKA_NAMESPACE}.` : '';
  const bus = new StartupTolerantBus(
    new KafkaMessageBus({
      brokers: config.KAFKA_BROKERS,
      clientId,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    }),
    topics.map((t) => namespace + t),
  );
  return namespace ? new NamespacedBus(bus, namespace) : bus;
}

/**
 * Puts every topic and consumer group of a stack under one prefix (`KAFKA_NAMESPACE`), so that several stacks
 * (regions on one cluster, staging next to production, test runs) share a Kafka cluster without reading each
 * other's messages or offsets. The services keep the contract's topic names: handlers get the message's topic
 * without the prefix. Dead-letter topics follow their topic (`<namespace>.<topic>.dlq`).
 */
export class NamespacedBus implements MessageBus {
  constructor(
    private readonly inner: MessageBus & { consumerProgress?(): ConsumerProgress[] },
    private readonly prefix: string,
  ) {}

  private outside = (message: BusMessage): BusMessage => ({ ...message, topic: this.prefix + message.topic });
  private inside = (message: BusMessage): BusMessage =>
    message.topic.startsWith(this.prefix) ? { ...message, topic: message.topic.slice(this.prefix.length) } : message;

  publish(messages: BusMessage[]): Promise<void> {
    return this.inner.publish(messages.map(this.outside));
  }

  subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    return this.inner.subscribe(this.prefix + topic, this.prefix + group, (message) => handler(this.inside(message)));
  }

  subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options?: BatchSubscribeOptions): Promise<void> {
    return this.inner.subscribeBatch(this.prefix + topic, this.prefix + group, (messages) => handler(messages.map(this.inside)), options);
  }

  /** progress under the names Kafka knows (prefixed), as an operator looks them up with Kafka's own tools */
  consumerProgress(): ConsumerProgress[] {
    return this.inner.consumerProgress?.() ?? [];
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Creates the topics (and their dead-letter topics) up front, never relying on auto-creation, and starts
 * consumers once they exist, retrying in the background while the broker is unreachable. Until then
 * `ping()` fails with the reason, so readiness reports it; the service recovers by itself.
 */
export class StartupTolerantBus implements MessageBus {
  private readonly topicsReady: Promise<void>;
  private pending = new Set<string>();
  private closed = false;
  private readonly closing = new AbortController();
  private lastError = 'topics not created yet';

  constructor(
    private readonly inner: KafkaMessageBus,
    topics: string[],
    private readonly onRetry: (message: string) => void = (m) => console.warn(m),
  ) {
    this.topicsReady = this.retry('create topics', () => inner.ensureTopics(topics));
  }

  private async retry(what: string, action: () => Promise<void>) {
    const backoff = new Backoff({ initialMs: 250, maxMs: 5000 });
    while (!this.closed) {
      const delay = backoff.peek();
      try {
        await action();
        return;
      } catch (error) {
        if (this.closed) return;
        this.lastError = `${what}: ${(error as Error).message}`;
        this.onRetry(`kafka: could not ${what} yet (${(error as Error).message}); retrying in ${delay} ms`);
        await sleep(backoff.next(), this.closing.signal);
      }
    }
  }

  async publish(messages: BusMessage[]): Promise<void> {
    return this.inner.publish(messages);
  }

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    this.whenTopicsExist(topic, group, () => this.inner.subscribe(topic, group, handler));
  }

  async subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options?: BatchSubscribeOptions): Promise<void> {
    this.whenTopicsExist(topic, group, () => this.inner.subscribeBatch(topic, group, handler, options));
  }

  private whenTopicsExist(topic: string, group: string, subscribe: () => Promise<void>) {
    const key = `${group}@${topic}`;
    this.pending.add(key);
    void this.topicsReady.then(() => this.retry(`subscribe ${key}`, subscribe)).then(() => this.pending.delete(key));
  }

  /** the Kafka batch consumers' catch-up progress */
  consumerProgress() {
    return this.inner.consumerProgress();
  }

  async ping(): Promise<void> {
    if (this.pending.size > 0) throw new Error(`consumers not running yet (${[...this.pending].join(', ')}): ${this.lastError}`);
    await this.inner.ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await this.inner.close();
  }
}
