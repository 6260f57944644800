import {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  BACKWARDS,
  END,
  ErrorType,
  excludeSystemEvents,
  FORWARDS,
  KurrentDBClient,
  ReadPosition,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  assertAppendMany,
  Subscription,
} from '../event-store.port';
import { sleep } from '../async';
import {
  allPosition,
  describeEndpoint,
  describeError,
  isSystemEvent,
  normalizeEventId,
  planStreamRead,
  RecentEventIds,
  selectAfter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toSafeNumber,
  toStreamState,
  toWrongExpectedRevision,
  withTimeout,
  collect,
  isErrorOfType,
  toStringProperties,
} from './kurrentdb.mapping';

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://127.0.0.1:2113?tls=false`, or `kurrentdb://admin:changeit@host:2113` on a secure node */
  connectionString: string;
  /** ping() rejects after this long (the read path of the client has no deadline of its own); default 5000 */
  pingTimeoutMs?: number;
  /**
   * every other call rejects after this long; default 30000. The client fails fast on a refused connection,
   * but waits without limit on a peer that accepts TCP and never answers (its server-feature probe and
   * its native read path have no deadline). An append that times out has an unknown outcome: retrying it
   * with the same event ids is safe.
   */
  operationTimeoutMs?: number;
  /** wait before resubscribing after a subscription lost its connection; default 1000 */
  resubscribeDelayMs?: number;
  /** event ids remembered per store for retry / DuplicateEventIdError detection (see below); default 10000 */
  recentEventIds?: number;
}

/**
 * Event store on KurrentDB (gRPC, @kurrent/kurrentdb-client). Needs read access to $all (admins by default
 * on a secure node) for readAll, headPosition, subscribeToAll and ping.
 *
 * Mapping (pure helpers in kurrentdb.mapping.ts): revisions are the stream revisions (bigint → number);
 * the global position is the event's commit position in $all (bigint → number, exact below 2^53 bytes of
 * log; a larger value throws instead of rounding). System streams and events (`$`-prefixed stream or type)
 * never leave readAll, headPosition or subscribeToAll.
 *
 * Where it differs from the SQLite adapter (the contract suite passes on both; these are the edges it
 * does not reach):
 * - Event ids must be UUIDs (a TypeError otherwise); they come back in lower case.
 * - Event id uniqueness. KurrentDB has no global index by event id: the server only recognises a retry
 *   when the expected revision is a number or `no_stream` and the events right after it carry the same ids
 *   (then it acknowledges without writing, with the original revision); with `any` / `stream_exists` it uses
 *   a bounded in-memory cache on the server (best effort). It never refuses an id reused in another stream,
 *   or reused in the same stream with an expected revision equal to the current one. This adapter adds a
 *   per-process memory of recently appended ids (RecentEventIds, SQLite's retriedAppend rules): a retry
 *   answers the first result and a reused id throws DuplicateEventIdError — but only for ids this process
 *   appended recently. Across processes or restarts, an id reused differently is written again.
 *   Consumers that derive ids from a source event should keep guarding on the source revision too.
 * - A partial retry that the server sees (some ids of the batch written, some not) is a
 *   WrongExpectedRevisionError there, where SQLite answers DuplicateEventIdError.
 * - `stream_exists` is also satisfied when only the stream's metadata stream exists; a deleted (tombstoned)
 *   stream rejects appends and reads with the client's StreamDeletedError, which SQLite has no notion of.
 * - Positions are not contiguous (byte offsets) — the port allows that. Events written to the same server
 *   by legacy explicit transactions (TCP API) share one commit position; this adapter assumes none exist.
 * - Catch-up subscriptions are server-pushed (no polling interval); a lost connection is reported to
 *   onError and the subscription resubscribes from its last settled position after resubscribeDelayMs.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly endpoint: string;
  private readonly pingTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly resubscribeDelayMs: number;
  private readonly recentIds: RecentEventIds;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    this.client = KurrentDBClient.connectionString(options.connectionString);
    this.endpoint = describeEndpoint(options.connectionString);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.resubscribeDelayMs = options.resubscribeDelayMs ?? 1000;
    this.recentIds = new RecentEventIds(options.recentEventIds ?? 10_000);
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new Error('append needs at least one event');
    const expected = options.expectedRevision ?? 'any';
    const streamState = toStreamState(expected);
    const ids = events.map((e) => normalizeEventId(e.id));

    // same rules as SQLite: a retry is recognised before the expected revision is checked
    const retried = this.recentIds.retried(streamName, ids);
    if (retried) {
      const position = retried.position ?? (await this.positionAt(streamName, retried.revision));
      this.recentIds.learnPosition(ids[ids.length - 1], position);
      return { nextExpectedRevision: retried.revision, position };
    }

    let result;
    try {
      result = await this.bounded(
        `append to ${streamName}`,
        this.client.appendToStream(
          streamName,
          events.map((e, i) => toEventData(e, ids[i])),
          { streamState },
        ),
      );
    } catch (error) {
      if (isErrorOfType(error, ErrorType.WRONG_EXPECTED_VERSION)) {
        throw toWrongExpectedRevision(streamName, expected, error as WrongExpectedVersionError);
      }
      throw error;
    }
    const nextExpectedRevision = toSafeNumber(result.nextExpectedRevision, 'revision');
    // a retry the server recognised (its idempotent acknowledgement) may come without a position
    const position = result.position
      ? toSafeNumber(result.position.commit, 'commit position')
      : await this.positionAt(streamName, nextExpectedRevision);
    this.recentIds.remember(streamName, ids, nextExpectedRevision, position);
    return { nextExpectedRevision, position };
  }

  /**
   * One KurrentDB multi-stream append (server 25.1 or later: older servers answer UnsupportedError), atomic
   * across the streams. That API carries metadata as string properties: string values go as they are, any
   * other value as its JSON text (it reads back as that string). A batch whose every stream is a retry this
   * process recognises answers the first results, as `append` does.
   */
  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    assertAppendMany(appends);
    if (appends.length === 0) return [];
    if (appends.length === 1) return [await this.append(appends[0].streamName, appends[0].events, { expectedRevision: appends[0].expectedRevision })];
    const planned = appends.map((a) => ({ ...a, ids: a.events.map((e) => normalizeEventId(e.id)) }));
    const retried = planned.map((a) => this.recentIds.retried(a.streamName, a.ids));
    if (retried.every((r) => r !== null)) {
      return Promise.all(
        retried.map(async (r, i) => ({
          nextExpectedRevision: r!.revision,
          position: r!.position ?? (await this.positionAt(planned[i].streamName, r!.revision)),
        })),
      );
    }
    let result;
    try {
      result = await this.bounded(
        `append to ${appends.length} streams`,
        this.client.multiStreamAppend(
          planned.map((a) => ({
            streamName: a.streamName,
            expectedState: toStreamState(a.expectedRevision ?? 'any'),
            events: a.events.map((e, i) => ({ ...toEventData(e, a.ids[i]), metadata: toStringProperties(e.metadata ?? {}) })),
          })),
        ),
      );
    } catch (error) {
      if (isErrorOfType(error, ErrorType.WRONG_EXPECTED_VERSION)) {
        // the client names the stream whose revision conflicted
        const conflict = error as WrongExpectedVersionError;
        const stream = planned.find((a) => a.streamName === conflict.streamName) ?? planned[0];
        throw toWrongExpectedRevision(stream.streamName, stream.expectedRevision ?? 'any', conflict);
      }
      throw error;
    }
    const revisions = new Map(result.responses.map((r) => [r.streamName, toSafeNumber(r.revision, 'revision')]));
    return Promise.all(
      planned.map(async (a) => {
        const nextExpectedRevision = revisions.get(a.streamName)!;
        // the answer carries one commit position for the whole append: look up each stream's last event
        const position = await this.positionAt(a.streamName, nextExpectedRevision);
        this.recentIds.remember(a.streamName, a.ids, nextExpectedRevision, position);
        return { nextExpectedRevision, position };
      }),
    );
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const plan = planStreamRead(options);
    if (plan.empty) return [];
    try {
      const read = this.client.readStream(streamName, {
        direction: plan.direction === 'backwards' ? BACKWARDS : FORWARDS,
        fromRevision: plan.fromRevision,
        ...(plan.maxCount !== undefined ? { maxCount: plan.maxCount } : {}),
      });
      return await this.bounded(`read of ${streamName}`, collect(read));
    } catch (error) {
      if (isErrorOfType(error, ErrorType.STREAM_NOT_FOUND)) return [];
      throw error;
    }
  }

  async streamRevision(streamName: string): Promise<number | null> {
    const [last] = await this.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    return last ? last.revision : null;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const maxCount = Math.floor(options.maxCount ?? 1000);
    const out: RecordedEvent[] = [];
    let cursor = Math.max(0, options.after ?? 0);
    let from: ReadPosition = toReadPosition(cursor);
    // the server filter drops `$` event types; `$` streams with other types and the event at `after`
    // itself (a forwards read starts *at* the position) are dropped here, so read again until full
    while (out.length < maxCount) {
      const want = maxCount - out.length + 1;
      const page = await this.bounded(
        'read of $all',
        collect(this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: want, filter: excludeSystemEvents() })),
      );
      const selected = selectAfter(page, cursor, maxCount - out.length);
      out.push(...selected);
      if (page.length < want) break; // the end of $all
      const lastRead = page[page.length - 1].position;
      if (lastRead <= cursor) break; // no progress (cannot happen with distinct positions); never loop
      cursor = Math.max(cursor, lastRead);
      from = allPosition(cursor);
    }
    return out;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: ReadPosition = END;
    // the newest non-system event: normally the first one read; `$` streams with other types are stepped over
    for (;;) {
      const [last] = await this.bounded(
        'read of $all',
        collect(this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 1, filter: excludeSystemEvents() })),
      );
      if (!last) return 0;
      if (!isSystemEvent(last)) return last.position;
      from = allPosition(last.position); // backwards reads exclude the position they start from
    }
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const batchSize = Math.max(1, options.batchSize ?? 500);
    let position = options.after ?? 0;
    let running = true;
    let current: AllStreamSubscription | null = null;
    const stopping = new AbortController();

    /** one server subscription from `position`; resolves false when the handler failed (the end) */
    const follow = async (): Promise<boolean> => {
      let sub: AllStreamSubscription | undefined;
      let batch: RecordedEvent[] = [];
      let seen = position;
      try {
        sub = this.client.subscribeToAll({ fromPosition: toReadPosition(position), filter: excludeSystemEvents() });
        sub.on('error', () => undefined); // errors surface through the iterator, never as an unhandled 'error'
        current = sub;
        for await (const resolved of sub as AsyncIterable<AllStreamResolvedEvent>) {
          if (!running) return true;
          const event = toRecordedEvent(resolved);
          if (event && !isSystemEvent(event) && event.position > seen) {
            batch.push(event);
            seen = event.position;
          }
          // deliver when the batch is full or nothing more is buffered right now
          if (batch.length > 0 && (batch.length >= batchSize || sub.readableLength === 0)) {
            const delivering = batch;
            batch = [];
            try {
              await options.handler(delivering);
            } catch (error) {
              running = false;
              options.onError?.(error);
              return false;
            }
            position = delivering[delivering.length - 1].position;
          }
        }
        if (running) options.onError?.(new Error(`KurrentDB subscription to $all at ${this.endpoint} ended`));
      } catch (error) {
        if (running) options.onError?.(error);
      } finally {
        current = null;
        if (sub) await closeSubscription(sub);
      }
      return true;
    };

    const loop = (async () => {
      while (running) {
        if (!(await follow())) return;
        if (running) await sleep(this.resubscribeDelayMs, stopping.signal); // lost connection: resubscribe from `position`
      }
    })();

    const subscription: Subscription = {
      get position() {
        return position;
      },
      stop: async () => {
        running = false;
        stopping.abort();
        if (current) await closeSubscription(current);
        await loop;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const read = collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    try {
      await withTimeout(read, this.pingTimeoutMs, () => new Error(`no answer within ${this.pingTimeoutMs} ms`));
    } catch (error) {
      read.catch(() => undefined); // the read may still fail after the timeout
      throw new Error(`KurrentDB ping to ${this.endpoint} failed (${describeError(error)})`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    this.closed = true;
    await this.client.dispose();
  }

  /** the commit position of the event at `revision` (for answers that came without one); -1 if unknown */
  private async positionAt(streamName: string, revision: number): Promise<number> {
    const [event] = await this.readStream(streamName, { fromRevision: revision, maxCount: 1 });
    return event?.revision === revision ? event.position : -1;
  }

  private bounded<T>(what: string, work: Promise<T>): Promise<T> {
    return withTimeout(work, this.operationTimeoutMs, () => {
      work.catch(() => undefined); // it may still fail later: nobody is listening any more
      return new Error(`KurrentDB ${what} at ${this.endpoint}: no answer within ${this.operationTimeoutMs} ms`);
    });
  }

  private assertOpen() {
    if (this.closed) throw new Error('event store is closed');
  }
}

/** cancels the gRPC call and ends the stream, bounded in time (cancelling waits for the call to be created) */
async function closeSubscription(sub: AllStreamSubscription): Promise<void> {
  await withTimeout(sub.unsubscribe(), 2000, () => new Error('unsubscribe timed out')).catch(() => undefined);
  if (!sub.destroyed) sub.destroy();
}
