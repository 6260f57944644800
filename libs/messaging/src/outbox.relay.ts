import { EventStore, ReadModelDatabase, RecordedEvent, Subscription } from '@lib/eventstore';
import { BusMessage, MessageBus } from './message-bus.port';

export interface RelayOptions {
  name: string;
  store: EventStore;
  bus: MessageBus;
  checkpoints: ReadModelDatabase;
  /** integration message(s) for a stored event, or null for events that stay private to the service */
  toMessage: (event: RecordedEvent) => BusMessage | BusMessage[] | null;
  /** delay before retrying after the bus refused a batch */
  retryDelayMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The event store is the outbox: the relay follows the service's global log from a stored checkpoint and
 * publishes integration events. The checkpoint moves only after the bus accepted the batch (at-least-once).
 */
export class OutboxRelay {
  private subscription: Subscription | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private published = 0;
  private lastError: unknown = null;

  constructor(private readonly options: RelayOptions) {}

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
    return this.lastError;
  }

  start() {
    this.stopped = false;
    this.lastError = null;
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: 500,
      handler: (events) => this.relay(events),
      onError: (error) => {
        this.lastError = error;
        this.options.onError?.(error);
        this.subscription = null;
        if (!this.stopped) {
          this.retryTimer = setTimeout(() => this.start(), this.options.retryDelayMs ?? 1000);
        }
      },
    });
  }

  private async relay(events: RecordedEvent[]) {
    const messages = events.flatMap((e) => this.options.toMessage(e) ?? []);
    if (messages.length > 0) await this.options.bus.publish(messages);
    this.options.checkpoints.saveCheckpoint(this.checkpointName, events[events.length - 1].position);
    this.published += messages.length;
    this.lastError = null;
  }

  /** events in the log the relay has not yet published */
  async lag(): Promise<number> {
    const head = await this.options.store.headPosition();
    return Math.max(0, head - this.position);
  }

  /** waits until everything appended so far is published (graceful shutdown, tests) */
  async flush(timeoutMs = 5000) {
    const head = await this.options.store.headPosition();
    const deadline = Date.now() + timeoutMs;
    while (this.position < head) {
      if (Date.now() > deadline) throw new Error(`relay ${this.options.name} did not reach ${head} (at ${this.position})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop() {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.subscription?.stop();
    this.subscription = null;
  }
}
