import { performance } from 'node:perf_hooks';

/** where progress is drawn: a TTY gets one line redrawn in place, anything else gets periodic plain lines */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** what is being counted, e.g. "events" */
  unit?: string;
  /** shortest time between two redraws of the TTY line */
  redrawMs?: number;
  /** time between two plain lines when the output is not a TTY */
  lineEveryMs?: number;
  /** a monotonic clock in milliseconds (tests) */
  now?: () => number;
}

const integer = (n: number) => Math.round(n).toLocaleString('en-US');

/** 75 → "1:15", 3725 → "1:02:05" */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * A dependency-free progress bar: `[=========>          ] 45% 12,345/27,000 events, 150,000 events/s, 0:03 left`.
 * `done` counts what was processed, `position`/`total` say how far along the whole job is (they differ when
 * the log has gaps in its positions).
 */
export class ProgressBar {
  private readonly now: () => number;
  private readonly unit: string;
  private readonly redrawMs: number;
  private readonly lineEveryMs: number;
  private startedAt = 0;
  private lastDraw = -Infinity;
  private drawn = false;
  private done = 0;
  private position = 0;
  private total = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.unit = options.unit ?? 'events';
    this.redrawMs = options.redrawMs ?? 100;
    this.lineEveryMs = options.lineEveryMs ?? 2000;
  }

  get tty() {
    return this.out.isTTY === true;
  }

  start(total: number) {
    this.total = total;
    this.startedAt = this.now();
    this.lastDraw = this.startedAt;
    if (this.tty) this.draw();
  }

  update(done: number, position: number, total = this.total) {
    this.done = done;
    this.position = position;
    this.total = total;
    const t = this.now();
    if (t - this.lastDraw < (this.tty ? this.redrawMs : this.lineEveryMs)) return;
    this.lastDraw = t;
    this.draw();
  }

  /** the final state, and the cursor on a fresh line */
  finish() {
    if (this.tty) {
      this.draw();
      this.out.write('\n');
    } else if (this.drawn) this.draw();
  }

  /** leaves the line as it is (an interruption or an error is printed next) */
  abandon() {
    if (this.tty && this.drawn) this.out.write('\n');
  }

  /** the text of the line, without control characters */
  render(): string {
    const elapsed = Math.max(0, (this.now() - this.startedAt) / 1000);
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const fraction = this.total > 0 ? Math.min(1, this.position / this.total) : 1;
    const remaining = Math.max(0, this.total - this.position);
    const left = remaining === 0 ? 0 : rate > 0 ? remaining / rate : NaN;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = `${integer(this.done)}/${integer(this.total)} ${this.unit}`;
    const speed = `${integer(rate)} ${this.unit}/s`;
    const eta = `${formatDuration(left)} left`;
    if (!this.tty) return `${this.label}: ${percent.trim()} ${counts}, ${speed}, ${eta}`;
    const width = 24;
    const filled = Math.floor(fraction * width);
    const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
    return `${this.label} [${bar}] ${percent} ${counts}, ${speed}, ${eta}`;
  }

  private draw() {
    this.drawn = true;
    const line = this.render();
    if (this.tty) {
      const columns = this.out.columns && this.out.columns > 10 ? this.out.columns - 1 : line.length;
      this.out.write(`\r${line.slice(0, columns)}\x1b[K`);
    } else this.out.write(`${line}\n`);
  }
}
