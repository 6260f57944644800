import { AggregateBatch } from './aggregate-batch';
import { AggregateRepository } from './aggregate.repository';
import { Decider, DomainError } from './decider';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

type Command = { type: 'Add'; amount: number; source: number };
type Event = { type: 'Added'; data: { amount: number; source: number } };
type State = { total: number; lastSource: number };

/** a counter that ignores a source it has already seen (how consumers guard on the source revision) */
const counter: Decider<Command, Event, State> = {
  initialState: () => ({ total: 0, lastSource: -1 }),
  evolve: (state, event) => ({ total: state.total + event.data.amount, lastSource: event.data.source }),
  decide: (command, state) => {
    if (command.amount < 0) throw new DomainError('invalid', 'negative', 'negative');
    return command.source <= state.lastSource ? [] : [{ type: 'Added', data: { amount: command.amount, source: command.source } }];
  },
};

describe('AggregateBatch', () => {
  let store: SqliteEventStore;
  let repo: AggregateRepository<Command, Event, State>;
  const meta = { actor: 'test' };

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
    repo = new AggregateRepository(store, counter, (id) => `counter-${id}`);
  });
  afterEach(() => store.close());

  it('decides each command against what the batch did before it and appends everything in one transaction', async () => {
    await repo.handle('a', { type: 'Add', amount: 1, source: 0 }, meta);
    const head = await store.headPosition();
    const batch = new AggregateBatch(store);
    await batch.decide(repo, 'a', { type: 'Add', amount: 2, source: 1 }, meta);
    await batch.decide(repo, 'b', { type: 'Add', amount: 5, source: 1 }, meta);
    expect(await batch.decide(repo, 'a', { type: 'Add', amount: 9, source: 1 }, meta)).toEqual([]); // already seen in this batch
    await batch.decide(repo, 'a', { type: 'Add', amount: 3, source: 2 }, meta);
    expect(batch.eventCount).toBe(3);
    expect(await store.headPosition()).toBe(head); // nothing before commit
    expect(await batch.commit()).toEqual({ events: 3, streams: 2 });
    expect((await repo.load('a')).state).toEqual({ total: 6, lastSource: 2 });
    expect((await repo.load('b')).state).toEqual({ total: 5, lastSource: 1 });
    expect((await store.readStream('counter-a')).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('appends nothing when another writer got to a stream first, leaving the cache to be read again', async () => {
    await repo.handle('a', { type: 'Add', amount: 1, source: 0 }, meta);
    const batch = new AggregateBatch(store);
    await batch.decide(repo, 'a', { type: 'Add', amount: 2, source: 1 }, meta);
    await batch.decide(repo, 'b', { type: 'Add', amount: 5, source: 1 }, meta);
    await repo.handle('a', { type: 'Add', amount: 10, source: 7 }, meta);
    await expect(batch.commit()).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', streamName: 'counter-a' });
    expect(await store.readStream('counter-b')).toEqual([]);
    expect((await repo.load('a')).state).toEqual({ total: 11, lastSource: 7 });
  });

  it('does not touch the cached state when a command is refused', async () => {
    await repo.handle('a', { type: 'Add', amount: 1, source: 0 }, meta);
    const batch = new AggregateBatch(store);
    await batch.decide(repo, 'a', { type: 'Add', amount: 2, source: 1 }, meta);
    await expect(batch.decide(repo, 'a', { type: 'Add', amount: -1, source: 2 }, meta)).rejects.toBeInstanceOf(DomainError);
    expect((await repo.load('a')).state).toEqual({ total: 1, lastSource: 0 });
  });

  it('gives redelivered commands with derived ids nothing new to append', async () => {
    const ids = (source: number) => (i: number) => `00000000-0000-4000-8000-${String(source).padStart(6, '0')}${String(i).padStart(6, '0')}`;
    const run = async () => {
      const batch = new AggregateBatch(store);
      for (const source of [1, 2]) await batch.decide(repo, 'a', { type: 'Add', amount: source, source }, meta, ids(source));
      return batch.commit();
    };
    expect(await run()).toEqual({ events: 2, streams: 1 });
    expect(await run()).toEqual({ events: 0, streams: 0 });
    expect(await store.readStream('counter-a')).toHaveLength(2);
  });
});
