import { TopicPartitionOffsetAndMetadata } from 'kafkajs';

/** what the committer commits through: the consumer a KafkaContext hands out (`context.getConsumer()`) */
export interface OffsetCommitTarget {
  commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void>;
}

export interface OffsetCommitterOptions {
  topic: string;
  /** at most one commit request per this interval while messages keep being handled (default 50 ms) */
  intervalMs?: number;
  /** longest wait before retrying after failed commits (default 5000 ms; the delay doubles from intervalMs) */
  maxRetryDelayMs?: number;
  /** a commit request failed; its offsets stay pending and are retried */
  onError?: (error: unknown, offsets: { partition: number; offset: string }[]) => void;
}

interface PartitionState {
  /** offset after the highest handled message: what the group may resume from */
  handled: bigint;
  /** what this member last committed for the partition (null: nothing yet) */
  committed: bigint | null;
}

/**
 * The offsets of one (topic, group) subscription, committed in the background instead of one commit round
 * trip per message.
 *
 * At-least-once: `handled(partition, offset)` is called only after the handler of that message succeeded.
 * kafkajs hands the messages of a partition to `eachMessage` one after the other, each only once the previous
 * one's handler returned, starting at the group's committed offset; so when the message at `offset` has been
 * handled, so has every earlier message of the partition, and `offset + 1` is a safe commit point. The
 * committer only ever commits such points (the highest one seen per partition). A commit that is late, lost
 * or never made only means those messages are delivered again.
 *
 * Coalescing: the first handled message after a quiet period is committed at once; while messages keep
 * coming, at most one commit request (for every partition with progress) goes out per `intervalMs`, and
 * never two at the same time. `flush()` commits what is pending now (close, rebalance).
 */
export class OffsetCommitter {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly intervalMs: number;
  private readonly maxRetryDelayMs: number;
  private target: OffsetCommitTarget | null = null;
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> | null = null;
  private lastCommitAt = 0;
  private failures = 0;
  private suspended = false;
  private stopped = false;
  /** commit requests that succeeded, and the offsets they carried (one per partition) */
  readonly stats = { commits: 0, offsets: 0, failures: 0 };

  constructor(private readonly options: OffsetCommitterOptions) {
    this.intervalMs = options.intervalMs ?? 50;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  }

  /** the handler of the message at `offset` of `partition` succeeded */
  handled(target: OffsetCommitTarget, partition: number, offset: string): void {
    this.target = target;
    const next = BigInt(offset) + 1n;
    const state = this.partitions.get(partition);
    if (!state) this.partitions.set(partition, { handled: next, committed: null });
    else if (next > state.handled) state.handled = next;
    this.schedule();
  }

  /** offsets handled but not committed yet, by partition */
  pending(): { partition: number; offset: string }[] {
    const due: { partition: number; offset: string }[] = [];
    for (const [partition, state] of this.partitions) {
      if (state.committed === null || state.handled > state.committed) due.push({ partition, offset: state.handled.toString() });
    }
    return due.sort((a, b) => a.partition - b.partition);
  }

  /**
   * The group gave this member `partitions` of the topic (kafkajs GROUP_JOIN). Progress on partitions that
   * went to another member is dropped, not committed (their new owner resumes from the committed offset and
   * commits its own progress; a late commit from here could only move it back). What is left is committed now.
   */
  assigned(partitions: number[]): Promise<void> {
    const owned = new Set(partitions);
    for (const partition of [...this.partitions.keys()]) if (!owned.has(partition)) this.partitions.delete(partition);
    this.suspended = false;
    this.failures = 0;
    return this.flush();
  }

  /**
   * The consumer crashed (kafkajs CRASH: it has already disconnected, so nothing can be committed through it).
   * Pending offsets wait for the restarted consumer's GROUP_JOIN, or are dropped: they are delivered again.
   */
  suspend(): void {
    this.suspended = true;
    this.clearTimer();
  }

  /** commits every pending offset now, after the commit in flight if there is one; never rejects */
  flush(): Promise<void> {
    this.clearTimer();
    if (this.committing) return this.committing.then(() => this.flush());
    const due = this.pending();
    const target = this.target;
    if (due.length === 0 || !target) return Promise.resolve();
    this.lastCommitAt = Date.now();
    // commitOffsets is called synchronously: a flush on REBALANCING is sent before kafkajs' JoinGroup
    const commit = (async () => {
      try {
        await target.commitOffsets(due.map(({ partition, offset }) => ({ topic: this.options.topic, partition, offset })));
        for (const { partition, offset } of due) {
          const state = this.partitions.get(partition);
          const value = BigInt(offset);
          if (state && (state.committed === null || value > state.committed)) state.committed = value;
        }
        this.failures = 0;
        this.stats.commits++;
        this.stats.offsets += due.length;
      } catch (error) {
        this.failures++;
        this.stats.failures++;
        this.options.onError?.(error, due);
      }
    })();
    const settled = commit.finally(() => {
      this.committing = null;
      this.schedule();
    });
    this.committing = settled;
    return settled;
  }

  /** no more background commits; what is pending is committed by this last flush */
  close(): Promise<void> {
    this.stopped = true;
    return this.flush();
  }

  private schedule(): void {
    if (this.stopped || this.suspended || this.timer || this.committing) return;
    if (this.pending().length === 0) return;
    const interval = this.failures === 0 ? this.intervalMs : Math.min(this.intervalMs * 2 ** this.failures, this.maxRetryDelayMs);
    const wait = this.lastCommitAt + interval - Date.now();
    if (wait <= 0 && this.failures === 0) {
      void this.flush();
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.flush();
      },
      Math.max(wait, 1),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
