import { Backoff, BackoffOptions } from './async';
import { CatchUpProgress, catchUpProgress, ThroughputMeter } from './catch-up';
import { EventStore, RecordedEvent, Subscription } from './event-store.port';

export interface CheckpointedProcessorOptions {
  /** for error messages */
  name: string;
  store: EventStore;
  /** the durable checkpoint to (re)start after; read again at every restart */
  checkpoint: () => number;
  /**
   * handles a batch of events in global order and moves the durable checkpoint past it before it resolves
   * (in the same transaction as its effects where it can). A throw stops the subscription; the processor
   * restarts from the durable checkpoint after a backoff.
   */
  handle: (events: RecordedEvent[]) => Promise<void> | void;
  /** events per batch read from the log */
  batchSize: number;
  /** delay before a restart after a failure, doubling while failures repeat (default 1 s → 30 s) */
  backoff?: BackoffOptions;
  onError?: (error: unknown) => void;
}

/**
 * The one checkpointed reader of a service's log: subscribe after the stored checkpoint, hand each batch to
 * the handler (which persists the checkpoint), restart with a backoff when the handler or the read fails,
 * stop, and report its lag and catch-up rate. The outbox relay and the projection runner are this, plus what
 * they do with a batch.
 */
export class CheckpointedProcessor {
  private subscription: Subscription | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failure: unknown = null;
  private readonly backoff: Backoff;
  private readonly meter = new ThroughputMeter();
  private handledEvents = 0;

  constructor(private readonly options: CheckpointedProcessorOptions) {
    this.backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, ...options.backoff });
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** the last failure since the last successful batch, or null */
  get error(): unknown {
    return this.failure;
  }

  /** events handled since this process started */
  get handled(): number {
    return this.handledEvents;
  }

  start() {
    if (this.subscription) return;
    this.stopped = false;
    this.failure = null;
    this.subscription = this.options.store.subscribeToAll({
      after: this.options.checkpoint(),
      batchSize: this.options.batchSize,
      handler: async (events) => {
        await this.options.handle(events);
        this.handledEvents += events.length;
        this.meter.record(events.length);
        this.failure = null;
        this.backoff.reset();
      },
      onError: (error) => {
        this.failure = error;
        this.subscription = null;
        this.options.onError?.(error);
        if (!this.stopped) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (!this.stopped) this.start();
          }, this.backoff.next());
        }
      },
    });
  }

  async stop() {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  /** events in the log after the durable checkpoint */
  async lag(): Promise<number> {
    const head = await this.options.store.headPosition();
    return Math.max(0, head - this.options.checkpoint());
  }

  /** lag, recent rate and estimated time to catch up */
  async progress(): Promise<CatchUpProgress> {
    const head = await this.options.store.headPosition();
    return catchUpProgress(this.options.checkpoint(), head, this.meter.ratePerSecond());
  }
}
