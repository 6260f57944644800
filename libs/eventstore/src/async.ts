/**
 * The three small timing helpers every reader, relay and adapter needs, written once: a deadline on a
 * promise, a sleep that can be cut short, and an exponential backoff.
 */

/**
 * Rejects with `onTimeout()` (or an Error with the given message) when `work` has not settled after `ms`.
 * The work itself cannot be cancelled: a late rejection is swallowed so it does not surface as unhandled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: string | (() => Error)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      work.catch(() => undefined);
      reject(typeof onTimeout === 'string' ? new Error(onTimeout) : onTimeout());
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** resolves after `ms`, or at once when `signal` aborts (never rejects: the caller checks what it waits for) */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BackoffOptions {
  /** first delay (default 100 ms) */
  initialMs?: number;
  /** the delay doubles up to this (default 5000 ms) */
  maxMs?: number;
}

/** exponential backoff: `next()` gives the delay to wait now and doubles the following one; `reset()` after a success */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private current: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = Math.max(0, options.initialMs ?? 100);
    this.maxMs = Math.max(this.initialMs, options.maxMs ?? 5000);
    this.current = this.initialMs;
  }

  /** the delay the next `next()` returns */
  peek(): number {
    return this.current;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(Math.max(1, this.current * 2), this.maxMs);
    return delay;
  }

  reset() {
    this.current = this.initialMs;
  }
}
