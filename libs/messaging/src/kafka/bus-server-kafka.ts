import { KafkaOptions, KafkaParser, ServerKafka } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, IMemberAssignment } from 'kafkajs';
import { ThroughputMeter } from '@lib/eventstore';
import { OffsetCommitter } from './offset-committer';

// The Nest transport under KafkaMessageBus: one ServerKafka per (topic, group) subscription.

export type NestKafkaOptions = Required<KafkaOptions>['options'];

/**
 * Nest's KafkaParser decodes the key and every header even with `keepBinary: true` (which covers the value
 * only): a Buffer becomes a string, a string starting with `{` or `[` is JSON.parse()d into an object, and one
 * starting with a zero byte stays a Buffer. A header like `{"a": 1.0}` would come back as an object that no
 * longer stringifies to what was sent. This parser hands kafkajs' message through untouched (Buffers), and
 * the bus decodes key, value and headers as UTF-8 strings itself.
 */
export class PassThroughKafkaParser extends KafkaParser {
  constructor() {
    super({ keepBinary: true });
  }

  override parse<T>(data: { headers?: Record<string, unknown> }): T {
    return { ...data, headers: { ...(data.headers ?? {}) } } as T;
  }
}

/** what the bus wants to hear from the kafkajs consumer of a subscription */
export interface ConsumerGroupListener {
  /** kafkajs noticed a rebalance and is about to rejoin (the current generation can still commit) */
  rebalancing(): void;
  /** the consumer (re)joined the group with this assignment */
  joined(assignment: IMemberAssignment): void;
  /** the consumer crashed and already disconnected (kafkajs restarts it while the bus is open) */
  crashed(error: unknown): void;
}

/** a subscription that takes kafkajs' per-partition batches instead of single messages */
export interface BatchBinding {
  topic: string;
  handle(payload: EachBatchPayload, consumer: Consumer): Promise<void>;
}

/**
 * ServerKafka whose parser keeps the raw kafkajs message (see PassThroughKafkaParser). With a BatchBinding it
 * runs the consumer with kafkajs' `eachBatch` (one call per partition and fetch, offsets resolved by the
 * bus) instead of Nest's per-message `eachMessage` dispatch.
 */
export class BusServerKafka extends ServerKafka {
  constructor(
    options: NestKafkaOptions,
    private readonly listener: ConsumerGroupListener,
    private readonly batches?: BatchBinding,
  ) {
    super(options);
    this.parser = new PassThroughKafkaParser();
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    const batches = this.batches;
    if (!batches) return super.bindEvents(consumer);
    await consumer.subscribe({ ...(this.options.subscribe ?? {}), topics: [batches.topic] });
    await consumer.run({
      ...(this.options.run ?? {}),
      eachBatchAutoResolve: false,
      eachBatch: (payload) => batches.handle(payload, consumer),
    });
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this.consumer;
    if (!consumer) return;
    // listeners run synchronously inside kafkajs' emit: REBALANCING's flush is sent before the JoinGroup
    consumer.on(consumer.events.REBALANCING, () => this.listener.rebalancing());
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.listener.joined(event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => this.listener.crashed(event.payload.error));
  }
}

export interface Subscription {
  topic: string;
  group: string;
  server: BusServerKafka;
  committer: OffsetCommitter;
  /** batch subscriptions: messages left per partition as of its last fetched batch, and the rate handled */
  progress?: { behind: Map<number, number>; meter: ThroughputMeter };
}
