import { sleep } from './async';
import { EventStore, SubscribeOptions, Subscription } from './event-store.port';

export interface PollingOptions {
  pollIntervalMs: number;
  /** registers a wake-up callback for local appends; returns the unregister function */
  onAppend?: (wake: () => void) => () => void;
}

/**
 * Catch-up subscription over `readAll`: reads batches after the checkpoint, hands them to the handler,
 * and when it reaches the head waits for a local append (or the poll interval, for other writers).
 */
export function pollingSubscription(store: EventStore, options: SubscribeOptions, polling: PollingOptions): Subscription {
  let position = options.after ?? 0;
  let running = true;
  let wake: AbortController | null = null;
  // an append signalled while a read is in flight must not be lost: the next nap returns at once
  let pending = false;
  const batchSize = options.batchSize ?? 500;
  const unregister = polling.onAppend?.(() => (wake ? wake.abort() : (pending = true)));

  const nap = async () => {
    if (!running) return;
    if (pending) {
      pending = false;
      return;
    }
    wake = new AbortController();
    await sleep(polling.pollIntervalMs, wake.signal);
    wake = null;
  };

  // a failed read or a failed handler ends the subscription (as the port says); the owner restarts it
  const loop = (async () => {
    try {
      while (running) {
        let batch;
        try {
          batch = await store.readAll({ after: position, maxCount: batchSize });
        } catch (error) {
          if (running) options.onError?.(error);
          return;
        }
        if (batch.length === 0) {
          await nap();
          continue;
        }
        try {
          await options.handler(batch);
        } catch (error) {
          options.onError?.(error);
          return;
        }
        position = batch[batch.length - 1].position;
      }
    } finally {
      running = false;
      unregister?.();
    }
  })();

  return {
    get position() {
      return position;
    },
    async stop() {
      running = false;
      wake?.abort();
      unregister?.();
      await loop;
    },
  };
}
