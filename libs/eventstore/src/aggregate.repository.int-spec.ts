import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregateRepository } from './aggregate.repository';
import { Decider, DomainError } from './decider';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import { WrongExpectedRevisionError } from './event-store.port';

type Cmd = { type: 'Add'; item: string } | { type: 'Remove'; item: string };
type Ev = { type: 'Added'; data: { item: string } } | { type: 'Removed'; data: { item: string } };
const setDecider: Decider<Cmd, Ev, Set<string>> = {
  initialState: () => new Set(),
  evolve: (state, event) => {
    if (event.type === 'Added') state.add(event.data.item);
    else state.delete(event.data.item);
    return state;
  },
  decide: (command, state) => {
    if (command.type === 'Add') {
      if (state.has(command.item)) throw new DomainError('conflict', 'exists', 'exists');
      return [{ type: 'Added', data: { item: command.item } }];
    }
    return state.has(command.item) ? [{ type: 'Removed', data: { item: command.item } }] : [];
  },
};

describe('aggregate repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'repo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const meta = { at: '2026-01-01T00:00:00.000Z' };

  it('loses none of many concurrent commands on one aggregate in one process', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const repo = new AggregateRepository(store, setDecider, (id) => `set-${id}`);
    await Promise.all(Array.from({ length: 50 }, (_, i) => repo.handle('a', { type: 'Add', item: `x${i}` }, meta)));
    expect((await repo.load('a')).state.size).toBe(50);
    expect(await store.streamRevision('set-a')).toBe(49);
    await store.close();
  });

  it('re-decides when another writer (a second process on the same file) appended in between', async () => {
    const file = join(dir, 'shared.sqlite');
    const storeA = new SqliteEventStore({ filename: file });
    const storeB = new SqliteEventStore({ filename: file });
    const repoA = new AggregateRepository(storeA, setDecider, (id) => `set-${id}`);
    const repoB = new AggregateRepository(storeB, setDecider, (id) => `set-${id}`);
    await repoA.handle('s', { type: 'Add', item: 'one' }, meta);
    await repoB.load('s'); // B caches revision 0
    await repoA.handle('s', { type: 'Add', item: 'two' }, meta); // A moves to 1; B's cache is stale
    // B's command must see 'two' (re-read), so adding it again is refused rather than duplicated
    await expect(repoB.handle('s', { type: 'Add', item: 'two' }, meta)).rejects.toMatchObject({ code: 'exists' });
    await repoB.handle('s', { type: 'Add', item: 'three' }, meta);
    // another connection's append is seen by A's cache within 2 ms (data_version is read at most that often)
    await new Promise((r) => setTimeout(r, 5));
    expect([...(await repoA.load('s')).state].sort()).toEqual(['one', 'three', 'two']);
    await storeA.close();
    await storeB.close();
  });

  it('serves a cached fold without reading while nothing changed, and sees another connection\'s append', async () => {
    const file = join(dir, 'cache.sqlite');
    const storeA = new SqliteEventStore({ filename: file });
    const storeB = new SqliteEventStore({ filename: file });
    const repoA = new AggregateRepository(storeA, setDecider, (id) => `set-${id}`);
    await repoA.handle('c', { type: 'Add', item: 'one' }, meta);
    await repoA.load('c');
    const reads = jest.spyOn(storeA, 'readStream');
    await repoA.load('c');
    expect(reads).not.toHaveBeenCalled();
    await storeB.append('set-c', [{ type: 'Added', data: { item: 'from-b' } }], { expectedRevision: 0 });
    await new Promise((r) => setTimeout(r, 5));
    expect([...(await repoA.load('c')).state].sort()).toEqual(['from-b', 'one']);
    expect(reads).toHaveBeenCalledTimes(1);
    await storeA.close();
    await storeB.close();
  });


  it('keeps a cached fold across appends to other streams (per-stream tokens), and reads again after any change to its own', async () => {
    const file = join(dir, 'stream-tokens.sqlite');
    const store = new SqliteEventStore({ filename: file });
    const other = new SqliteEventStore({ filename: file });
    const repo = new AggregateRepository(store, setDecider, (id) => `set-${id}`);
    await repo.handle('a', { type: 'Add', item: 'one' }, meta); // cached as of its own append: no read needed
    const reads = jest.spyOn(store, 'readStream');
    await repo.handle('b', { type: 'Add', item: 'x' }, meta);
    await store.append('set-z', [{ type: 'Added', data: { item: 'direct' } }]);
    await repo.load('a');
    expect(reads.mock.calls.map(([stream]) => stream)).toEqual(['set-b']); // b was cold; a was not read again
    // an append to a's stream that did not go through the repository (same process): read again
    await store.append('set-a', [{ type: 'Added', data: { item: 'direct' } }], { expectedRevision: 0 });
    expect([...(await repo.load('a')).state].sort()).toEqual(['direct', 'one']);
    // another connection's append to a: seen too (data_version, within 2 ms)
    await other.append('set-a', [{ type: 'Added', data: { item: 'from-other' } }], { expectedRevision: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect([...(await repo.load('a')).state].sort()).toEqual(['direct', 'from-other', 'one']);
    expect(reads.mock.calls.filter(([stream]) => stream === 'set-a')).toHaveLength(2);
    await store.close();
    await other.close();
  });
  it('answers a stale explicit expected revision with a conflict (If-Match style), without retrying', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const repo = new AggregateRepository(store, setDecider, (id) => `set-${id}`);
    await repo.handle('e', { type: 'Add', item: 'a' }, meta);
    await repo.handle('e', { type: 'Add', item: 'b' }, meta);
    await expect(repo.handle('e', { type: 'Add', item: 'c' }, meta, { expectedRevision: 0 })).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect((await repo.load('e')).state.has('c')).toBe(false);
    await store.close();
  });

  it('appends nothing for a redelivered cause with deterministic ids', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const repoA = new AggregateRepository(store, setDecider, (id) => `set-${id}`);
    const repoB = new AggregateRepository(store, setDecider, (id) => `set-${id}`);
    const ids = { eventIds: (i: number) => `00000000-0000-5000-8000-00000000000${i}` };
    await repoA.handle('r', { type: 'Add', item: 'z' }, meta, ids);
    // a second consumer instance with a cold cache retries the same append
    await repoB.handle('r', { type: 'Remove', item: 'nothing' }, meta, ids);
    expect(await store.streamRevision('set-r')).toBe(0);
    await store.close();
  });

  it('evicts the least recently used aggregates beyond the cache size and still answers correctly', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const repo = new AggregateRepository(store, setDecider, (id) => `set-${id}`, { cacheSize: 2 });
    for (const id of ['p', 'q', 'r']) await repo.handle(id, { type: 'Add', item: id }, meta);
    expect([...(await repo.load('p')).state]).toEqual(['p']);
    await store.close();
  });
});
