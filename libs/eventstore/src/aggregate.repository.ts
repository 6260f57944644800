import { randomUUID } from 'node:crypto';
import { Decider } from './decider';
import { EventMetadata, EventStore, ExpectedRevision, NewEvent, RecordedEvent, WrongExpectedRevisionError } from './event-store.port';

interface Cached<S> {
  state: S;
  /** revision of the last event folded into state; -1 for a stream that does not exist */
  revision: number;
  /** the store's change token when the state was last known to be current */
  token?: string;
  /** revision of the last snapshot written or read */
  snapshotRevision?: number;
}

/**
 * Long streams are snapshotted: every `every` events the folded state is appended to `snapshot-<stream>`,
 * and a cold load starts from the latest snapshot of the current `version` instead of the first event.
 * Snapshots are an optimisation: losing one costs a longer fold, never correctness.
 */
export interface SnapshotPolicy<S> {
  every: number;
  version: number;
  toJSON(state: S): unknown;
  fromJSON(data: unknown): S;
}

export const snapshotStream = (stream: string) => `snapshot-${stream}`;

export interface HandleResult<S, E> {
  events: E[];
  state: S;
  revision: number;
  /** global position of the last appended event (0 when the command produced no event) */
  position: number;
}

export interface AggregateRepositoryOptions {
  /** how many folded aggregates to keep in memory (least recently used are evicted) */
  cacheSize?: number;
  /** how many times a command is re-decided when another writer appended in between */
  conflictRetries?: number;
  snapshots?: SnapshotPolicy<unknown>;
}

/**
 * The generic command handler: load (cached fold + the stream's tail), decide, append with the expected
 * revision, evolve the cached state. A concurrent append is detected by the store and the command is
 * decided again against the new state, up to `conflictRetries` times; then the conflict is raised.
 */
export class AggregateRepository<C, E extends { type: string; data?: unknown }, S> {
  private readonly cache = new Map<string, Cached<S>>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly cacheSize: number;
  private readonly retries: number;
  private readonly snapshots?: SnapshotPolicy<S>;

  constructor(
    private readonly store: EventStore,
    readonly decider: Decider<C, E, S>,
    readonly streamName: (id: string) => string,
    options: AggregateRepositoryOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.retries = options.conflictRetries ?? 3;
    this.snapshots = options.snapshots as SnapshotPolicy<S> | undefined;
  }

  /** current state and revision of one aggregate, up to date with its stream */
  async load(id: string): Promise<Cached<S>> {
    const stream = this.streamName(id);
    const token = this.store.streamChangeToken ? this.store.streamChangeToken(stream) : this.store.changeToken?.();
    let cached = this.cache.get(stream);
    if (cached) {
      this.cache.delete(stream);
      this.cache.set(stream, cached);
      // nothing was appended anywhere since this state was known current: no need to read the tail
      if (token !== undefined && cached.token === token) return cached;
    } else {
      cached = (await this.fromSnapshot(stream)) ?? { state: this.decider.initialState(), revision: -1 };
    }
    const tail = await this.store.readStream(stream, { fromRevision: cached.revision + 1 });
    for (const event of tail) {
      if (event.revision <= cached.revision) continue; // folded meanwhile by a concurrent load
      cached.state = this.decider.evolve(cached.state, toDomain<E>(event));
      cached.revision = event.revision;
    }
    cached.token = token;
    if (cached.revision >= 0) this.remember(stream, cached);
    await this.maybeSnapshot(stream, cached);
    return cached;
  }

  private async fromSnapshot(stream: string): Promise<Cached<S> | null> {
    if (!this.snapshots) return null;
    const [latest] = await this.store.readStream(snapshotStream(stream), { direction: 'backwards', maxCount: 1 });
    const data = latest?.data as { version: number; revision: number; state: unknown } | undefined;
    if (!data || data.version !== this.snapshots.version) return null;
    return { state: this.snapshots.fromJSON(data.state), revision: data.revision, snapshotRevision: data.revision };
  }

  private async maybeSnapshot(stream: string, cached: Cached<S>) {
    const policy = this.snapshots;
    if (!policy || cached.revision - (cached.snapshotRevision ?? -1) < policy.every) return;
    cached.snapshotRevision = cached.revision;
    const data = { version: policy.version, revision: cached.revision, state: policy.toJSON(cached.state) };
    await this.store.append(snapshotStream(stream), [{ type: 'Snapshot', data, metadata: { at: new Date().toISOString() } }]).catch(() => {
      cached.snapshotRevision = undefined; // try again next time
    });
  }

  /**
   * Decide and append. `eventIds` gives deterministic ids (e.g. derived from a source integration event)
   * so that redelivering the same cause appends nothing new.
   */
  async handle(
    id: string,
    command: C,
    metadata: EventMetadata,
    options: { expectedRevision?: number; eventIds?: (index: number) => string } = {},
  ): Promise<HandleResult<S, E>> {
    return this.handleWith(id, () => command, metadata, options);
  }

  /**
   * Like `handle`, with the command built from the current state under the aggregate's lock (and built
   * again on a retry): what a command needs from the state (a key to seal a secret with) is read where it
   * is decided, never loaded beforehand (check-then-act).
   */
  async handleWith(
    id: string,
    build: (state: S) => C,
    metadata: EventMetadata,
    options: { expectedRevision?: number; eventIds?: (index: number) => string } = {},
  ): Promise<HandleResult<S, E>> {
    const stream = this.streamName(id);
    // one command at a time per aggregate in this process; other processes are caught by the expected revision
    const previous = this.locks.get(stream) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = previous.then(() => mine);
    this.locks.set(stream, chained);
    await previous;
    try {
      return await this.decideAndAppend(id, stream, build, metadata, options);
    } finally {
      release();
      if (this.locks.get(stream) === chained) this.locks.delete(stream);
    }
  }

  private async decideAndAppend(
    id: string,
    stream: string,
    build: (state: S) => C,
    metadata: EventMetadata,
    options: { expectedRevision?: number; eventIds?: (index: number) => string },
  ): Promise<HandleResult<S, E>> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.load(id);
      if (options.expectedRevision !== undefined && options.expectedRevision !== current.revision) {
        throw new WrongExpectedRevisionError(stream, options.expectedRevision, current.revision < 0 ? null : current.revision);
      }
      const events = this.decider.decide(build(current.state), current.state);
      if (events.length === 0) {
        return { events, state: current.state, revision: current.revision, position: 0 };
      }
      const expected: ExpectedRevision = current.revision < 0 ? 'no_stream' : current.revision;
      const newEvents: NewEvent[] = events.map((e, i) => ({
        id: options.eventIds?.(i) ?? randomUUID(),
        type: e.type,
        data: e.data ?? {},
        metadata,
      }));
      try {
        const result = await this.store.append(stream, newEvents, { expectedRevision: expected });
        if (result.nextExpectedRevision !== current.revision + events.length) {
          // a retried append answered with the first append's result: the cache is behind, reload it
          this.cache.delete(stream);
          const fresh = await this.load(id);
          return { events, state: fresh.state, revision: fresh.revision, position: result.position };
        }
        for (const event of events) current.state = this.decider.evolve(current.state, event);
        current.revision = result.nextExpectedRevision;
        // current as of this append (the expected revision proved nobody appended in between)
        current.token = result.token;
        this.remember(stream, current);
        await this.maybeSnapshot(stream, current);
        return { events, state: current.state, revision: current.revision, position: result.position };
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) {
          this.cache.delete(stream); // someone else appended: the cached fold is stale, read it again
          if (attempt < this.retries && options.expectedRevision === undefined) continue;
        }
        throw error;
      }
    }
  }

  /**
   * take a state folded elsewhere (an AggregateBatch) as the cached one, once its events are durably
   * appended up to `revision`, with the stream's change token after that append (without one, the next load
   * reads the tail)
   */
  adopt(id: string, state: S, revision: number, token?: string) {
    this.remember(this.streamName(id), { state, revision, token });
  }

  /** forget a cached aggregate (tests, or after a rebuild) */
  evict(id: string) {
    this.cache.delete(this.streamName(id));
  }

  private remember(stream: string, cached: Cached<S>) {
    this.cache.set(stream, cached);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

export function toDomain<E>(event: RecordedEvent): E {
  return { type: event.type, data: event.data } as E;
}
