/** How far a reader of a log (a relay, the projections, a consumer) is behind, and when it will have caught up. */
export interface CatchUpProgress {
  /** what the reader has durably handled */
  position: number;
  /** the end of what it reads (the log's head, or the sum of the partitions' high watermarks) */
  head: number;
  /** events (or messages) still to handle; for a log with non-contiguous positions, an upper bound */
  behind: number;
  /** events per second handled recently (0 when idle) */
  ratePerSecond: number;
  /** seconds until caught up at the recent rate; 0 when caught up, null when behind and not moving */
  etaSeconds: number | null;
}

/**
 * Events handled per second over a sliding window of one-second buckets (default 10 s). Cheap enough to be
 * told about every batch.
 */
export class ThroughputMeter {
  private readonly buckets: { second: number; count: number }[] = [];

  constructor(private readonly windowSeconds = 10) {}

  record(count: number, now = Date.now()) {
    if (count <= 0) return;
    const second = Math.floor(now / 1000);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.second === second) last.count += count;
    else this.buckets.push({ second, count });
    this.trim(second);
  }

  ratePerSecond(now = Date.now()): number {
    const second = Math.floor(now / 1000);
    this.trim(second);
    if (this.buckets.length === 0) return 0;
    const total = this.buckets.reduce((sum, b) => sum + b.count, 0);
    // the current second is partly elapsed: measure over what has really passed
    const elapsed = Math.max(1, (now - this.buckets[0].second * 1000) / 1000);
    return total / Math.min(elapsed, this.windowSeconds);
  }

  private trim(second: number) {
    while (this.buckets.length > 0 && this.buckets[0].second <= second - this.windowSeconds) this.buckets.shift();
  }
}

export function catchUpProgress(position: number, head: number, ratePerSecond: number): CatchUpProgress {
  const behind = Math.max(0, head - position);
  const rate = Math.round(ratePerSecond * 10) / 10;
  const etaSeconds = behind === 0 ? 0 : rate > 0 ? Math.ceil(behind / rate) : null;
  return { position, head, behind, ratePerSecond: rate, etaSeconds };
}
