/**
 * The event store port: append-only streams with revisions, one global order with positions.
 * Every adapter (SQLite, KurrentDB) passes the shared contract suite in ./testing.
 */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  /** who caused the change: a user id, `operator`, or `system:<name>` */
  actor?: string;
  /** ISO timestamp at which the command was accepted (time enters through metadata, never a clock in a decider) */
  at?: string;
  [key: string]: unknown;
}

export interface NewEvent<T extends string = string, D = unknown> {
  /** globally unique event id; retrying an append with the same ids is not a duplicate */
  id?: string;
  type: T;
  data: D;
  metadata?: EventMetadata;
}

export interface RecordedEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  data: D;
  metadata: EventMetadata;
  streamName: string;
  /** 0-based position of the event within its stream */
  revision: number;
  /** position in the store's global order; strictly increasing, not necessarily contiguous */
  position: number;
  recordedAt: string;
}

/** `no_stream`: the stream must not exist; `stream_exists`: it must; `any`: no check; a number: the current revision */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** revision of the last event now in the stream */
  nextExpectedRevision: number;
  /** global position of the last appended event */
  position: number;
  /** the stream's change token right after this append (adapters with `streamChangeToken`) */
  token?: string;
}

/** one stream's part of an `appendMany` */
export interface StreamAppend {
  streamName: string;
  events: NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** inclusive; forwards default 0, backwards default the end */
  fromRevision?: number;
  maxCount?: number;
  direction?: 'forwards' | 'backwards';
}

export interface ReadAllOptions {
  /** exclusive: events with a position strictly greater than this; 0 or undefined reads from the start */
  after?: number;
  maxCount?: number;
}

export interface SubscriptionHandlerContext {
  position: number;
}

export interface SubscribeOptions {
  /** exclusive checkpoint: deliver events after this position */
  after?: number;
  /** called for every event in global order; the subscription waits for it to settle before the next */
  handler: (events: RecordedEvent[]) => Promise<void> | void;
  /** events per batch delivered to the handler */
  batchSize?: number;
  /** called when the handler throws; the subscription stops (the caller decides how to restart) */
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** last position handed to the handler and settled */
  readonly position: number;
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * appends to several streams in one transaction: every stream's expected revision holds and all events are
   * written, or nothing is (the first conflict is raised). Each stream appears at most once and follows
   * `append`'s rules, including the retry rule: the same appends with the same ids answer the first results.
   * Results come in the order of `appends`. What batched consumers use to record a batch at once.
   */
  appendMany(appends: StreamAppend[]): Promise<AppendResult[]>;
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** current revision of a stream, or null when it does not exist */
  streamRevision(streamName: string): Promise<number | null>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** position of the last event in the global log (0 when empty) */
  headPosition(): Promise<number>;
  /** catch-up subscription: replays from the checkpoint, then follows new appends */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** readiness probe: resolves when the store answers */
  ping(): Promise<void>;
  /**
   * optional: a value that changes whenever anything is appended to the log (by this process or another);
   * lets a cache skip re-reading a stream when nothing changed. Adapters that cannot tell omit it.
   */
  changeToken?(): string;
  /**
   * optional: like `changeToken`, for one stream: changes whenever that stream may have been appended to (by
   * this process or another). A cache keyed by stream skips re-reading a stream others did not touch.
   */
  streamChangeToken?(streamName: string): string;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | null,
  ) {
    super(
      `stream ${streamName}: expected revision ${String(expected)} but the stream is at ${
        actual === null ? 'no stream' : actual
      }`,
    );
  }
}

/** an event id already exists, but not as the same append being retried */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventId: string, readonly streamName: string) {
    super(`event id ${eventId} already exists and the append to ${streamName} is not a retry of it`);
  }
}

/** what every adapter's appendMany refuses before it writes anything */
export function assertAppendMany(appends: StreamAppend[]) {
  const seen = new Set<string>();
  for (const a of appends) {
    if (a.events.length === 0) throw new Error(`appendMany: the append to ${a.streamName} needs at least one event`);
    if (seen.has(a.streamName)) throw new Error(`appendMany: stream ${a.streamName} appears more than once`);
    seen.add(a.streamName);
  }
}
