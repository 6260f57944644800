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
  private listening = false;

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

  /** true when this process publishes (always, without a shared lease) */
  get isLeader() {
    return !this.options.leadership || this.options.leadership.holds(this.checkpointName);
  }

  start() {
    this.stopped = false;
    this.lastError = null;
    if (this.options.leadership) {
      void this.campaign();
      return;
    }
    this.follow();
  }

  /** tries to take the lease until it holds it or the relay stops; then resumes from the shared checkpoint */
  private async campaign() {
    const leadership = this.options.leadership!;
    if (!this.listening) {
      this.listening = true;
      leadership.onLost((name) => {
        if (name !== this.checkpointName) return;
        const lost = this.subscription;
        this.subscription = null;
        void lost?.stop().then(() => {
          if (!this.stopped) this.retryTimer = setTimeout(() => void this.campaign(), this.options.leaseRetryMs ?? 1000);
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
          this.follow();
          return;
        }
      } catch (error) {
        this.lastError = error;
        this.options.onError?.(error);
      }
      await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, this.options.leaseRetryMs ?? 1000)));
    }
  }

  private follow() {
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: 500,
      handler: (events) => this.relay(events),
      onError: (error) => {
        this.lastError = error;
        this.options.onError?.(error);
        this.subscription = null;
        if (!this.stopped) {
          this.retryTimer = setTimeout(() => (this.options.leadership ? void this.campaign() : this.follow()), this.options.retryDelayMs ?? 1000);
        }
      },
    });
  }

  private async relay(events: RecordedEvent[]) {
    const messages = events.flatMap((e) => this.options.toMessage(e) ?? []);
    const leadership = this.options.leadership;
    if (leadership && !leadership.holds(this.checkpointName)) throw new Error('relay lease lost');
    if (messages.length > 0) await this.options.bus.publish(messages);
    const position = events[events.length - 1].position;
    this.options.checkpoints.saveCheckpoint(this.checkpointName, position);
    await leadership?.saveCheckpoint(this.checkpointName, position);
    this.published += messages.length;
    this.lastError = null;
  }

  /** events in the log the relay has not yet published */
  async lag(): Promise<number> {
    if (!this.isLeader) return 0; // another replica publishes
    const head = await this.options.store.headPosition();
    return Math.max(0, head - this.position);
  }

  /** waits until everything appended so far is published (graceful shutdown, tests) */
  async flush(timeoutMs = 5000) {
    if (!this.isLeader) return; // another replica publishes
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
    // the next replica takes over at once instead of at its next retry
    await this.options.leadership?.release(this.checkpointName);
  }
}
