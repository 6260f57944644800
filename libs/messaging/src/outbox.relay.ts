import { CatchUpProgress, CheckpointedProcessor, EventStore, ReadModelDatabase, RecordedEvent, sleep } from '@lib/eventstore';
import { BusMessage, MessageBus } from './message-bus.port';

export interface RelayOptions {
  name: string;
  store: EventStore;
  bus: MessageBus;
  checkpoints: ReadModelDatabase;
  /** integration message(s) for a stored event, or null for events that stay private to the service */
  toMessage: (event: RecordedEvent) => BusMessage | BusMessage[] | null;
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
  /**
   * Several replicas on a shared store: only the holder of the lease publishes, and the checkpoint lives in
   * the shared store (the local `checkpoints` copy follows it). Without it, this process is the only relay.
   */
  leadership?: RelayLeadership;
  /** how often a replica without the lease tries to take it (default 1 s) */
  leaseRetryMs?: number;
}

/** a lease and a checkpoint shared by every replica of a service (e.g. PostgresLeases) */
export interface RelayLeadership {
  /** true when this process now holds the lease; never waits for another holder */
  tryAcquire(name: string): Promise<boolean>;
  holds(name: string): boolean;
  /** called when the lease was lost (its connection ended): stop publishing at once */
  onLost(listener: (name: string) => void): void;
  release(name: string): Promise<void>;
  checkpoint(name: string): Promise<number | null>;
  /** moves forward only */
  saveCheckpoint(name: string, position: number): Promise<void>;
}

/** what a message weighs in a produce request, roughly (UTF-16 length is close enough to bound a batch) */
const messageBytes = (m: BusMessage) =>
  m.key.length + m.value.length + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + v.length, 0) + 64;

/**
 * The event store is the outbox: the relay follows the service's global log from a stored checkpoint and
 * publishes integration events. The checkpoint moves only after the bus accepted the batch (at-least-once).
 * While catching up it publishes big batches (bounded by count and bytes); live, each publish carries what
 * was appended since the last one, so a single change goes out as soon as it is appended.
 * With a shared lease (several replicas), only the lease holder runs the processor.
 */
export class OutboxRelay {
  private readonly processor: CheckpointedProcessor;
  private published = 0;
  private stopped = true;
  private listening = false;
  private campaignTimer: NodeJS.Timeout | null = null;
  private leaseError: unknown = null;

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
    return this.processor.error ?? this.leaseError;
  }

  /** true when this process publishes (always, without a shared lease) */
  get isLeader() {
    return !this.options.leadership || this.options.leadership.holds(this.checkpointName);
  }

  start() {
    this.stopped = false;
    if (this.options.leadership) {
      void this.campaign();
      return;
    }
    this.processor.start();
  }

  /** tries to take the lease until it holds it or the relay stops; then resumes from the shared checkpoint */
  private async campaign() {
    const leadership = this.options.leadership!;
    if (!this.listening) {
      this.listening = true;
      leadership.onLost((name) => {
        if (name !== this.checkpointName) return;
        void this.processor.stop().then(() => {
          if (!this.stopped) this.campaignTimer = setTimeout(() => void this.campaign(), this.options.leaseRetryMs ?? 1000);
        });
      });
    }
    while (!this.stopped) {
      try {
        if (await leadership.tryAcquire(this.checkpointName)) {
          const shared = await leadership.checkpoint(this.checkpointName);
          if (this.stopped) {
            await leadership.release(this.checkpointName);
            return;
          }
          this.options.checkpoints.saveCheckpoint(this.checkpointName, shared ?? 0);
          this.leaseError = null;
          this.processor.start();
          return;
        }
      } catch (error) {
        this.leaseError = error;
        this.options.onError?.(error);
      }
      await new Promise<void>((resolve) => (this.campaignTimer = setTimeout(resolve, this.options.leaseRetryMs ?? 1000)));
    }
  }

  private async relay(events: RecordedEvent[]) {
    const leadership = this.options.leadership;
    if (leadership && !leadership.holds(this.checkpointName)) throw new Error('relay lease lost');
    const maxBytes = this.options.maxPublishBytes ?? 900 * 1024;
    let chunk: BusMessage[] = [];
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const produced = this.options.toMessage(events[i]);
      const messages = produced === null ? [] : Array.isArray(produced) ? produced : [produced];
      const size = messages.reduce((n, m) => n + messageBytes(m), 0);
      if (messages.length > 0 && chunk.length > 0 && bytes + size > maxBytes) {
        // everything before this event is in the chunk: publish it and move the checkpoint behind it
        await this.publish(chunk, events[i - 1].position);
        chunk = [];
        bytes = 0;
      }
      chunk.push(...messages);
      bytes += size;
    }
    await this.publish(chunk, events[events.length - 1].position);
  }

  private async publish(messages: BusMessage[], through: number) {
    if (messages.length > 0) await this.options.bus.publish(messages);
    this.options.checkpoints.saveCheckpoint(this.checkpointName, through);
    await this.options.leadership?.saveCheckpoint(this.checkpointName, through);
    this.published += messages.length;
  }

  /** events in the log the relay has not yet published (0 on a replica that does not hold the lease) */
  async lag(): Promise<number> {
    if (!this.isLeader) return 0; // another replica publishes
    return this.processor.lag();
  }

  /** events behind, recent rate and estimated time to catch up */
  progress(): Promise<CatchUpProgress> {
    return this.processor.progress();
  }

  /** waits until everything appended so far is published (graceful shutdown, tests) */
  async flush(timeoutMs = 5000) {
    if (!this.isLeader) return;
    const head = await this.options.store.headPosition();
    const deadline = Date.now() + timeoutMs;
    while (this.position < head) {
      if (Date.now() > deadline) throw new Error(`relay ${this.options.name} did not reach ${head} (at ${this.position})`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.campaignTimer) clearTimeout(this.campaignTimer);
    this.campaignTimer = null;
    await this.processor.stop();
    // the next replica takes over at once instead of at its next retry
    await this.options.leadership?.release(this.checkpointName);
  }
}
