import { CatchUpProgress, CheckpointedProcessor, EventStore, ReadModelDatabase, RecordedEvent, sleep } from '@lib/eventstore';
import { BusMessage, MessageBus } from './message-bus.port';

export interface RelayOptions {
  name: string;
  store: EventStore;
  bus: MessageBus;
  checkpoints: ReadModelDatabase;
  /** integration message for a stored event, or null for events that stay private to the service */
  toMessage: (event: RecordedEvent) => BusMessage | null;
  /** delay before retrying after the bus refused a batch; doubles while it keeps refusing (up to 30 s) */
  retryDelayMs?: number;
  /** events read from the log per batch (default 2000); live, a batch is whatever was appended meanwhile */
  batchSize?: number;
  /**
   * a publish carries at most this many bytes of keys, values and headers (default 900 KiB, under Kafka's
   * default 1 MiB request limits); a larger batch read while catching up goes out as several publishes,
   * the checkpoint moving after each one
   */
  maxPublishBytes?: number;
  onError?: (error: unknown) => void;
}

/** what a message weighs in a produce request, roughly (UTF-16 length is close enough to bound a batch) */
const messageBytes = (m: BusMessage) =>
  m.key.length + m.value.length + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + v.length, 0) + 64;

/**
 * The event store is the outbox: the relay follows the service's global log from a stored checkpoint and
 * publishes integration events. The checkpoint moves only after the bus accepted the batch (at-least-once).
 * While catching up it publishes big batches (bounded by count and bytes); live, each publish carries what
 * was appended since the last one, so a single change goes out as soon as it is appended.
 */
export class OutboxRelay {
  private readonly processor: CheckpointedProcessor;
  private published = 0;

  constructor(private readonly options: RelayOptions) {
    const retryDelayMs = options.retryDelayMs ?? 1000;
    this.processor = new CheckpointedProcessor({
      name: this.checkpointName,
      store: options.store,
      checkpoint: () => this.position,
      handle: (events) => this.relay(events),
      batchSize: options.batchSize ?? 2000,
      backoff: { initialMs: retryDelayMs, maxMs: Math.max(retryDelayMs, 30_000) },
      onError: options.onError,
    });
  }

  get checkpointName() {
    return `relay:${this.options.name}`;
  }

  get position(): number {
    return this.options.checkpoints.checkpoint(this.checkpointName)?.position ?? 0;
  }

  get publishedCount() {
    return this.published;
  }

  get error() {
    return this.processor.error;
  }

  start() {
    this.processor.start();
  }

  private async relay(events: RecordedEvent[]) {
    const maxBytes = this.options.maxPublishBytes ?? 900 * 1024;
    let chunk: BusMessage[] = [];
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const message = this.options.toMessage(events[i]);
      if (message) {
        const size = messageBytes(message);
        if (chunk.length > 0 && bytes + size > maxBytes) {
          // everything before this event is in the chunk: publish it and move the checkpoint behind it
          await this.publish(chunk, events[i - 1].position);
          chunk = [];
          bytes = 0;
        }
        chunk.push(message);
        bytes += size;
      }
    }
    await this.publish(chunk, events[events.length - 1].position);
  }

  private async publish(messages: BusMessage[], through: number) {
    if (messages.length > 0) await this.options.bus.publish(messages);
    this.options.checkpoints.saveCheckpoint(this.checkpointName, through);
    this.published += messages.length;
  }

  /** events in the log the relay has not yet published */
  lag(): Promise<number> {
    return this.processor.lag();
  }

  /** events behind, recent rate and estimated time to catch up */
  progress(): Promise<CatchUpProgress> {
    return this.processor.progress();
  }

  /** waits until everything appended so far is published (graceful shutdown, tests) */
  async flush(timeoutMs = 5000) {
    const head = await this.options.store.headPosition();
    const deadline = Date.now() + timeoutMs;
    while (this.position < head) {
      if (Date.now() > deadline) throw new Error(`relay ${this.options.name} did not reach ${head} (at ${this.position})`);
      await sleep(10);
    }
  }

  stop(): Promise<void> {
    return this.processor.stop();
  }
}
