import { randomUUID } from 'node:crypto';
import { AggregateRepository } from './aggregate.repository';
import { EventMetadata, EventStore, NewEvent, WrongExpectedRevisionError } from './event-store.port';

/** what the batch needs of a repository once the append is decided (repositories of any aggregate type) */
interface StagedRepository {
  adopt(id: string, state: unknown, revision: number, token?: string): void;
  evict(id: string): void;
}

interface Staged {
  repository: StagedRepository;
  id: string;
  /** a private copy: the repository's cached state is touched only after the append succeeded */
  state: unknown;
  /** revision the stream is at in the store (-1: no stream) */
  baseRevision: number;
  events: NewEvent[];
  domain: unknown[];
}

/**
 * Decides many commands, over any number of aggregates and repositories, and appends everything they
 * produced in ONE `appendMany` transaction, each stream with its expected revision. What a consumer uses to
 * record a batch of integration events: one SQLite transaction per batch instead of one per message.
 *
 * Commands are decided in order, each against the state left by the previous ones of the batch (a copy of
 * the cached fold), so the result is what `handle` one by one would have appended. Nothing is appended or
 * cached until `commit`; when another writer appended to one of the streams meanwhile, `commit` raises the
 * WrongExpectedRevisionError and the caller does the batch again (idempotent: derived ids, source revisions).
 */
export class AggregateBatch {
  private readonly staged = new Map<string, Staged>();
  private size = 0;

  constructor(private readonly store: EventStore) {}

  /** events staged so far */
  get eventCount() {
    return this.size;
  }

  /** decides `command` against the aggregate's state as this batch left it; returns the events it staged */
  async decide<C, E extends { type: string; data?: unknown }, S>(
    repository: AggregateRepository<C, E, S>,
    id: string,
    command: C,
    metadata: EventMetadata,
    eventIds?: (index: number) => string,
  ): Promise<E[]> {
    const stream = repository.streamName(id);
    let staged = this.staged.get(stream);
    if (!staged) {
      const current = await repository.load(id);
      staged = { repository, id, state: structuredClone(current.state), baseRevision: current.revision, events: [], domain: [] };
      this.staged.set(stream, staged);
    }
    const events = repository.decider.decide(command, staged.state as S);
    events.forEach((event, i) => {
      staged.state = repository.decider.evolve(staged.state as S, event);
      staged.domain.push(event);
      staged.events.push({ id: eventIds?.(i) ?? randomUUID(), type: event.type, data: event.data ?? {}, metadata });
    });
    this.size += events.length;
    return events;
  }

  /** appends every staged event in one transaction and updates the repositories' caches */
  async commit(): Promise<{ events: number; streams: number }> {
    const writes = [...this.staged.entries()].filter(([, s]) => s.events.length > 0);
    if (writes.length === 0) return { events: 0, streams: 0 };
    try {
      const results = await this.store.appendMany(
        writes.map(([streamName, s]) => ({
          streamName,
          events: s.events,
          expectedRevision: s.baseRevision < 0 ? 'no_stream' : s.baseRevision,
        })),
      );
      writes.forEach(([, s], i) => {
        if (results[i].nextExpectedRevision === s.baseRevision + s.events.length) s.repository.adopt(s.id, s.state, results[i].nextExpectedRevision, results[i].token);
        else s.repository.evict(s.id); // a retried batch answered with the first results: read the stream again
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) for (const [, s] of writes) s.repository.evict(s.id);
      throw error;
    } finally {
      this.staged.clear();
      this.size = 0;
    }
    return { events: writes.reduce((n, [, s]) => n + s.events.length, 0), streams: writes.length };
  }
}

/**
 * Records `items` in one transaction: `stage` decides each one into a fresh AggregateBatch, then it commits.
 * When another writer got to one of the streams first, the whole batch is decided again on fresh state (up
 * to `attempts` times), then each item goes through `one` (its own append) so that a hot stream cannot
 * starve the batch. Both paths must be idempotent (derived event ids, source revisions).
 */
export async function recordBatch<T>(
  store: EventStore,
  items: T[],
  stage: (batch: AggregateBatch, item: T) => Promise<unknown>,
  one: (item: T) => Promise<unknown>,
  attempts = 3,
): Promise<void> {
  if (items.length === 0) return;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const batch = new AggregateBatch(store);
    for (const item of items) await stage(batch, item);
    try {
      await batch.commit();
      return;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }
  for (const item of items) await one(item);
}
