import { Logger } from '@nestjs/common';
import { ClientKafka, KafkaContext, KafkaLogger } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, KafkaMessage, Kafka, KafkaConfig, logLevel, Partitioners, RetryOptions } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { Backoff, CatchUpProgress, catchUpProgress, sleep, ThroughputMeter, withTimeout } from '@lib/eventstore';
import { BatchMessageHandler, BatchSubscribeOptions, BusMessage, MessageBus, MessageHandler } from '../message-bus.port';
import { OffsetCommitter } from './offset-committer';
import { KafkaAdminClients } from './kafka-admin';
import { BatchBinding, BusServerKafka, ConsumerGroupListener, NestKafkaOptions, Subscription } from './bus-server-kafka';
import { assertRoutableTopic, explainMissingTopic, headersToStrings, text } from './kafka-messages';
import { runsByTopic } from '../runs-by-topic';
import { HandlerFailure, KafkaMessageBusOptions } from './kafka-message-bus.options';

export { assertRoutableTopic } from './kafka-messages';
export type { HandlerFailure, KafkaMessageBusOptions } from './kafka-message-bus.options';

/** how far a batch subscription is behind its topic's end, as of the last batch fetched per partition */
export interface ConsumerProgress extends Omit<CatchUpProgress, 'position' | 'head'> {
  topic: string;
  group: string;
}

/**
 * MessageBus over Kafka, built on @nestjs/microservices' Kafka transport (kafkajs underneath), events only.
 *
 * - publish: a `ClientKafka` in producer-only mode (idempotent, acks = all, no topic auto-creation). Resolves
 *   once the broker acknowledged every message; consecutive messages to one topic go as one batch.
 * - subscribe(topic, group, handler): one `ServerKafka` per (topic, group) with the handler registered as an
 *   event handler (what @EventPattern does), consumer group exactly `group`, reading a new group's topic from
 *   the beginning, kafkajs auto-commit off. The partitions of the topic are consumed concurrently, each one
 *   message after the other (per-key order): kafkajs hands the partitions' batches of one fetch to
 *   `partitionsConsumedConcurrently` workers and fetches again once all of them are done. A handler that
 *   throws is retried in place with a backoff (the partition waits: order kept, nothing skipped; the other
 *   partitions finish their current batch, then wait for the next fetch too) until it succeeds, the group
 *   rebalances (kafkajs redelivers from the committed offset) or the bus closes.
 * - Offsets: once a handler succeeded, the offset after its message becomes the partition's commit point,
 *   committed in the background (coalesced, at most one request per `commitIntervalMs`), flushed when kafkajs
 *   sees a rebalance, after it rejoined, and on close(). Only offsets whose message, and every earlier message
 *   of the partition, was handled are ever committed (see OffsetCommitter): a crash between handling and
 *   committing redelivers those messages (at-least-once; handlers are idempotent).
 * - Topics are never auto-created: call `ensureTopics` first (it also creates each `<topic>.dlq`).
 */
export class KafkaMessageBus implements MessageBus {
  private readonly logger = new Logger(KafkaMessageBus.name);
  private readonly producer: ClientKafka;
  private producerReady: Promise<void> | null = null;
  private readonly admins: KafkaAdminClients;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** aborted by close(): cuts retry backoffs short */
  private readonly closingSignal = new AbortController();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;
  private readonly retry: RetryOptions;

  constructor(private readonly options: KafkaMessageBusOptions) {
    if (!options.brokers?.length) throw new Error('KafkaMessageBus needs at least one broker');
    this.retry = { retries: 5, initialRetryTime: 100, maxRetryTime: 2000, ...options.retry };
    this.admins = new KafkaAdminClients(
      new Kafka(this.clientConfig(`${options.clientId}-admin`)),
      // the probe's own client: kafkajs connects with the client's retry settings, whatever the admin's say
      new Kafka({ ...this.clientConfig(`${options.clientId}-probe`), retry: { retries: 0 } }),
      options,
    );
    this.producer = new ClientKafka({
      // without postfixId the client id gets '-client' appended
      postfixId: '',
      // without producerOnlyMode ClientKafka also starts a consumer in group 'nestjs-group-client' (for replies)
      producerOnlyMode: true,
      client: this.clientConfig(options.clientId),
      producer: {
        idempotent: options.idempotent ?? true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.retry,
      },
      send: { acks: -1 },
    });
  }

  get brokers(): string[] {
    return [...this.options.brokers];
  }

  private clientConfig(clientId: string): KafkaConfig {
    return {
      clientId,
      brokers: this.options.brokers,
      connectionTimeout: this.options.connectionTimeoutMs ?? 1000,
      requestTimeout: this.options.requestTimeoutMs ?? 10_000,
      retry: this.retry,
      logLevel: this.options.logLevel ?? logLevel.WARN,
      logCreator: KafkaLogger.bind(null, this.logger) as unknown as KafkaConfig['logCreator'],
    };
  }

  // ---------------------------------------------------------------- publish

  async publish(messages: BusMessage[]): Promise<void> {
    if (this.state === 'closed') throw new Error('message bus is closed');
    if (messages.length === 0) return;
    await this.connectProducer();
    for (const run of runsByTopic(messages)) {
      // the serializer mutates what it is given: hand it fresh objects
      const batch = run.messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } }));
      try {
        await lastValueFrom(this.producer.emitBatch(run.topic, { messages: batch }), { defaultValue: undefined });
      } catch (error) {
        throw explainMissingTopic(error, [run.topic]);
      }
    }
  }

  /** ClientKafka keeps a failed connect() promise forever: forget it so the next publish connects again */
  private connectProducer(): Promise<void> {
    if (!this.producerReady) {
      this.producerReady = this.producer.connect().then(
        () => undefined,
        async (error: unknown) => {
          this.producerReady = null;
          await this.producer.close().catch(() => undefined);
          throw error;
        },
      );
    }
    return this.producerReady;
  }

  // -------------------------------------------------------------- subscribe

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<void> {
    await this.listen(topic, group, (server, committer) =>
      // what @EventPattern(topic) does: an event handler, awaited by ServerKafka.handleEvent
      server.addHandler(
        topic,
        async (_data: unknown, context?: KafkaContext) => {
          // once closing, nothing more is handled or committed: the group's next consumer starts at this message
          if (this.state !== 'open') return;
          await this.track(this.deliver(group, handler, committer, context!));
        },
        true,
      ),
    );
  }

  /**
   * Per-partition batches: kafkajs' `eachBatch` hands over what one fetch brought for a partition; the handler
   * gets it in order, in slices of up to `maxMessages`. After a slice succeeded its offsets are resolved and
   * committed (as for single messages); a throw retries that slice in place with the same backoff, so the
   * partition waits and nothing after the failed slice is committed.
   */
  async subscribeBatch(topic: string, group: string, handler: BatchMessageHandler, options: BatchSubscribeOptions = {}): Promise<void> {
    const maxMessages = Math.max(1, options.maxMessages ?? 1000);
    const progress = { behind: new Map<number, number>(), meter: new ThroughputMeter() };
    await this.listen(
      topic,
      group,
      () => undefined,
      (committer) => ({
        topic,
        handle: (payload, consumer) => this.track(this.deliverBatch(group, handler, maxMessages, committer, progress, payload, consumer)),
      }),
      progress,
    );
  }

  /** messages left and handling rate of the batch subscriptions */
  consumerProgress(): ConsumerProgress[] {
    return [...this.subscriptions.values()].flatMap((s) => {
      if (!s.progress) return [];
      const behind = [...s.progress.behind.values()].reduce((n, v) => n + v, 0);
      const { position: _p, head: _h, ...rest } = catchUpProgress(0, behind, s.progress.meter.ratePerSecond());
      return [{ topic: s.topic, group: s.group, ...rest }];
    });
  }

  private async listen(
    topic: string,
    group: string,
    register: (server: BusServerKafka, committer: OffsetCommitter) => void,
    batches?: (committer: OffsetCommitter) => BatchBinding,
    progress?: Subscription['progress'],
  ): Promise<void> {
    if (this.state !== 'open') throw new Error('message bus is closed');
    const id = `${topic}\u0000${group}`;
    if (this.subscriptions.has(id)) throw new Error(`group ${group} already subscribes to ${topic}`);
    assertRoutableTopic(topic);
    const committer = new OffsetCommitter({
      topic,
      intervalMs: this.options.commitIntervalMs ?? 50,
      onError: (error, offsets) => this.reportCommitError(group, topic, error, offsets),
    });
    const listener: ConsumerGroupListener = {
      rebalancing: () => void committer.flush(),
      joined: (assignment) => void committer.assigned(assignment[topic] ?? []),
      crashed: () => committer.suspend(),
    };
    const serverOptions: NestKafkaOptions = {
      // without postfixId the group id gets '-server' appended
      postfixId: '',
      client: this.clientConfig(`${this.options.clientId}-${group}`),
      consumer: {
        groupId: group,
        allowAutoTopicCreation: false,
        sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: this.options.heartbeatIntervalMs ?? 1000,
        maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 500,
        // a crashed consumer restarts while the bus is open, whatever the error
        retry: { ...this.retry, restartOnFailure: async () => this.state === 'open' },
      },
      // ServerKafka always connects a producer too (for request-reply answers, unused here)
      producer: { allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: this.retry },
      subscribe: { fromBeginning: true },
      run: {
        autoCommit: false,
        partitionsConsumedConcurrently: Math.max(1, this.options.partitionsConsumedConcurrently ?? this.options.partitions ?? 3),
      },
      parser: { keepBinary: true },
    };
    const server = new BusServerKafka(serverOptions, listener, batches?.(committer));
    register(server, committer);
    const subscription: Subscription = { topic, group, server, committer, progress };
    this.subscriptions.set(id, subscription);
    try {
      await new Promise<void>((resolve, reject) => {
        void server.listen((error?: unknown) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      this.subscriptions.delete(id);
      void committer.close();
      await server.close().catch(() => undefined);
      throw explainMissingTopic(error, [topic]);
    }
  }

  /** background offset commits per subscription: requests made, partition offsets they carried, failures */
  commitStats(): { topic: string; group: string; commits: number; offsets: number; failures: number }[] {
    return [...this.subscriptions.values()].map((s) => ({ topic: s.topic, group: s.group, ...s.committer.stats }));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private async deliver(group: string, handler: MessageHandler, committer: OffsetCommitter, context: KafkaContext): Promise<void> {
    const raw = context.getMessage();
    const topic = context.getTopic();
    const partition = context.getPartition();
    const read = (): BusMessage => ({
      topic,
      key: text(raw.key),
      value: text(raw.value),
      headers: headersToStrings(raw.headers),
    });
    const backoff = this.handlerBackoff();
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(read());
        break;
      } catch (error) {
        if (this.state !== 'open') return;
        const delay = backoff.next();
        this.reportHandlerError(error, { message: read(), group, partition, offset: raw.offset, attempt, retryInMs: delay });
        await sleep(delay, this.closingSignal.signal);
        if (this.state !== 'open') return;
        // keeps the group membership alive while retrying; throws if the group rebalances, and then kafkajs
        // rejoins and redelivers from the committed offset (whoever owns the partition next)
        await context.getHeartbeat()();
      }
    }
    // handled (also when it succeeded while the bus started closing: close() flushes it)
    committer.handled(context.getConsumer(), partition, raw.offset);
  }

  private async deliverBatch(
    group: string,
    handler: BatchMessageHandler,
    maxMessages: number,
    committer: OffsetCommitter,
    progress: NonNullable<Subscription['progress']>,
    payload: EachBatchPayload,
    consumer: Consumer,
  ): Promise<void> {
    const { batch } = payload;
    const read = (raw: KafkaMessage): BusMessage => ({
      topic: batch.topic,
      key: text(raw.key),
      value: text(raw.value),
      headers: headersToStrings(raw.headers),
    });
    const end = BigInt(batch.highWatermark);
    for (let i = 0; i < batch.messages.length; i += maxMessages) {
      if (this.state !== 'open' || !payload.isRunning() || payload.isStale()) return;
      const slice = batch.messages.slice(i, i + maxMessages);
      const backoff = this.handlerBackoff();
      for (let attempt = 1; ; attempt++) {
        try {
          await handler(slice.map(read));
          break;
        } catch (error) {
          if (this.state !== 'open') return;
          const delay = backoff.next();
          const first = slice[0];
          this.reportHandlerError(error, { message: read(first), group, partition: batch.partition, offset: first.offset, attempt, retryInMs: delay });
          await sleep(delay, this.closingSignal.signal);
          if (this.state !== 'open') return;
          // throws when the group rebalances: kafkajs rejoins and redelivers from the committed offset
          await payload.heartbeat();
        }
      }
      const last = slice[slice.length - 1].offset;
      payload.resolveOffset(last);
      committer.handled(consumer, batch.partition, last);
      progress.meter.record(slice.length);
      progress.behind.set(batch.partition, Number(end - BigInt(last) - 1n));
      await payload.heartbeat();
    }
  }

  private handlerBackoff(): Backoff {
    return new Backoff({ initialMs: this.options.handlerRetry?.initialDelayMs ?? 100, maxMs: this.options.handlerRetry?.maxDelayMs ?? 5000 });
  }

  private reportCommitError(group: string, topic: string, error: unknown, offsets: { partition: number; offset: string }[]) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = `group ${group} could not commit ${offsets.map((o) => `${topic}[${o.partition}]@${o.offset}`).join(', ')}: ${reason}`;
    // while closing, or after a crash, the consumer is gone: those messages are delivered again
    if (this.state === 'open') this.logger.warn(`${what}; retrying`);
    else this.logger.debug(what);
  }

  private reportHandlerError(error: unknown, failure: HandlerFailure) {
    if (this.options.onHandlerError) {
      this.options.onHandlerError(error, failure);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `handler of group ${failure.group} failed on ${failure.message.topic}[${failure.partition}]@${failure.offset} ` +
        `(attempt ${failure.attempt}): ${reason}; retrying in ${failure.retryInMs} ms`,
    );
  }

  // ------------------------------------------------------------------ admin

  /**
   * Creates every topic and its dead-letter topic (`<topic>.dlq`) that does not exist yet, with the bus'
   * partitions and replication factor, and waits until each partition has a leader (see KafkaAdminClients).
   */
  async ensureTopics(topics: string[]): Promise<void> {
    if (this.state !== 'open') throw new Error('message bus is closed');
    await this.admins.ensureTopics(topics);
  }

  /** readiness: one cheap metadata round trip, failing within `pingTimeoutMs` when no broker answers */
  async ping(): Promise<void> {
    if (this.state !== 'open') throw new Error('message bus is closed');
    await this.admins.ping();
  }

  // ------------------------------------------------------------------ close

  /** stops the consumers (after their running handlers finished), then the producer and the admin clients */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown() {
    this.state = 'closing';
    this.closingSignal.abort();
    // handlers still running finish, then their offsets are committed while the consumers are still running
    await Promise.allSettled([...this.inFlight]);
    // bounded: a broker that does not answer must not hold close() up (what is not committed is delivered again)
    await Promise.allSettled(
      [...this.subscriptions.values()].map((s) => withTimeout(s.committer.close(), 5000, 'final offset commit timed out')),
    );
    await Promise.allSettled([...this.subscriptions.values()].map((s) => s.server.close()));
    this.subscriptions.clear();
    await this.producer.close().catch(() => undefined);
    this.producerReady = null;
    await this.admins.close();
    this.state = 'closed';
  }
}
