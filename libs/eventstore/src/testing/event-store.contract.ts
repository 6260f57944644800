import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError, EventStore, RecordedEvent, WrongExpectedRevisionError } from '../event-store.port';

/**
 * The contract every event store adapter passes. `create` returns a store over an empty, isolated log
 * (or a log whose stream names are unique per call: every test uses fresh stream names).
 */
export function eventStoreContract(name: string, create: () => Promise<EventStore>) {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    const stream = () => `contract-${randomUUID()}`;
    const ev = (type: string, data: unknown = {}, id: string = randomUUID()) => ({ id, type, data, metadata: { actor: 'test' } });

    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('appends to a new stream with no_stream and reads it back in order with revisions', async () => {
      const s = stream();
      const result = await store.append(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(1);
      const events = await store.readStream(s);
      expect(events.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['A', 0, { n: 1 }],
        ['B', 1, { n: 2 }],
      ]);
      expect(events[0].metadata.actor).toBe('test');
      expect(events[1].position).toBe(result.position);
      expect(await store.streamRevision(s)).toBe(1);
    });

    it('reports a missing stream as an empty read and a null revision', async () => {
      const s = stream();
      expect(await store.readStream(s)).toEqual([]);
      expect(await store.streamRevision(s)).toBeNull();
    });

    it('refuses no_stream when the stream exists, with a typed conflict', async () => {
      const s = stream();
      await store.append(s, [ev('A')], { expectedRevision: 'no_stream' });
      const attempt = store.append(s, [ev('B')], { expectedRevision: 'no_stream' });
      await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(s, [ev('B')], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 0 });
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('refuses stream_exists on a missing stream and accepts it on an existing one', async () => {
      const s = stream();
      await expect(store.append(s, [ev('A')], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await store.append(s, [ev('A')], { expectedRevision: 'any' });
      await expect(store.append(s, [ev('B')], { expectedRevision: 'stream_exists' })).resolves.toMatchObject({
        nextExpectedRevision: 1,
      });
    });

    it('accepts an exact expected revision and refuses a stale one', async () => {
      const s = stream();
      await store.append(s, [ev('A'), ev('B')]);
      await store.append(s, [ev('C')], { expectedRevision: 1 });
      const stale = store.append(s, [ev('D')], { expectedRevision: 1 });
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    });

    it('lets exactly one of two concurrent writers at the same revision win', async () => {
      const s = stream();
      await store.append(s, [ev('A')]);
      const results = await Promise.allSettled([
        store.append(s, [ev('X')], { expectedRevision: 0 }),
        store.append(s, [ev('Y')], { expectedRevision: 0 }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('treats a retried append with the same event ids as the same append', async () => {
      const s = stream();
      const batch = [ev('A'), ev('B')];
      const first = await store.append(s, batch, { expectedRevision: 'no_stream' });
      const again = await store.append(s, batch, { expectedRevision: 'no_stream' });
      expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('refuses an event id reused for a different event in another stream', async () => {
      const id = randomUUID();
      await store.append(stream(), [ev('A', {}, id)]);
      await expect(store.append(stream(), [ev('B', {}, id)])).rejects.toBeInstanceOf(DuplicateEventIdError);
    });

    it('appendMany writes to several streams in one global order and answers per stream', async () => {
      const a = stream();
      const b = stream();
      await store.append(b, [ev('B0')]);
      const results = await store.appendMany([
        { streamName: a, events: [ev('A0'), ev('A1')], expectedRevision: 'no_stream' },
        { streamName: b, events: [ev('B1')], expectedRevision: 0 },
      ]);
      expect(results.map((r) => r.nextExpectedRevision)).toEqual([1, 1]);
      const [a1] = await store.readStream(a, { fromRevision: 1 });
      const [b1] = await store.readStream(b, { fromRevision: 1 });
      expect(results.map((r) => r.position)).toEqual([a1.position, b1.position]);
      expect(await store.headPosition()).toBe(Math.max(a1.position, b1.position));
      expect((await store.readStream(a)).map((e) => e.type)).toEqual(['A0', 'A1']);
    });

    it('appendMany writes nothing when one expected revision fails, and names that stream', async () => {
      const a = stream();
      const b = stream();
      await store.append(b, [ev('B0'), ev('B1')]);
      const attempt = store.appendMany([
        { streamName: a, events: [ev('A0')], expectedRevision: 'no_stream' },
        { streamName: b, events: [ev('B2')], expectedRevision: 0 },
      ]);
      await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(
        store.appendMany([
          { streamName: a, events: [ev('A0')], expectedRevision: 'no_stream' },
          { streamName: b, events: [ev('B2')], expectedRevision: 0 },
        ]),
      ).rejects.toMatchObject({ streamName: b, actual: 1 });
      expect(await store.readStream(a)).toEqual([]);
      expect(await store.readStream(b)).toHaveLength(2);
    });

    it('appendMany retried with the same ids answers the first results and writes nothing twice', async () => {
      const a = stream();
      const b = stream();
      const appends = [
        { streamName: a, events: [ev('A0')], expectedRevision: 'no_stream' as const },
        { streamName: b, events: [ev('B0'), ev('B1')], expectedRevision: 'no_stream' as const },
      ];
      const first = await store.appendMany(appends);
      const again = await store.appendMany(appends);
      expect(again).toEqual(first);
      expect(await store.readStream(a)).toHaveLength(1);
      expect(await store.readStream(b)).toHaveLength(2);
    });

    it('appendMany refuses a stream named twice or an empty append, before writing anything', async () => {
      const a = stream();
      await expect(store.appendMany([{ streamName: a, events: [ev('A')] }, { streamName: a, events: [ev('B')] }])).rejects.toThrow(
        'appears more than once',
      );
      await expect(store.appendMany([{ streamName: a, events: [] }])).rejects.toThrow('at least one event');
      expect(await store.readStream(a)).toEqual([]);
      expect(await store.appendMany([])).toEqual([]);
    });

    it('reads a stream backwards and from a revision, with a maximum count', async () => {
      const s = stream();
      await store.append(s, [0, 1, 2, 3, 4].map((n) => ev('N', { n })));
      expect((await store.readStream(s, { fromRevision: 2, maxCount: 2 })).map((e) => e.revision)).toEqual([2, 3]);
      expect((await store.readStream(s, { direction: 'backwards', maxCount: 2 })).map((e) => e.revision)).toEqual([4, 3]);
      expect(
        (await store.readStream(s, { direction: 'backwards', fromRevision: 1 })).map((e) => e.revision),
      ).toEqual([1, 0]);
    });

    it('keeps one global order across streams, readable from any position', async () => {
      const a = stream();
      const b = stream();
      const start = await store.headPosition();
      await store.append(a, [ev('A1')]);
      await store.append(b, [ev('B1')]);
      await store.append(a, [ev('A2')]);
      const all = await store.readAll({ after: start, maxCount: 100 });
      const mine = all.filter((e) => e.streamName === a || e.streamName === b);
      expect(mine.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
      for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
      const after = await store.readAll({ after: mine[1].position, maxCount: 100 });
      expect(after.filter((e) => e.streamName === a || e.streamName === b).map((e) => e.type)).toEqual(['A2']);
      expect(await store.headPosition()).toBe(mine[2].position);
    });

    it('delivers past and future events to a catch-up subscription from a checkpoint', async () => {
      const s = stream();
      const start = await store.headPosition();
      await store.append(s, [ev('E1'), ev('E2')]);
      const checkpoint = (await store.readStream(s))[0].position;
      const seen: RecordedEvent[] = [];
      let resolveDone: () => void;
      const done = new Promise<void>((r) => (resolveDone = r));
      const sub = store.subscribeToAll({
        after: checkpoint,
        handler: (events) => {
          for (const e of events) if (e.streamName === s) seen.push(e);
          if (seen.length >= 2) resolveDone();
        },
      });
      await store.append(s, [ev('E3')]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 4000)))]);
      clearTimeout(timer);
      await sub.stop();
      expect(seen.map((e) => e.type)).toEqual(['E2', 'E3']);
      expect(sub.position).toBeGreaterThan(start);
    });

    it('stops a subscription whose handler throws and reports the error', async () => {
      const s = stream();
      const head = await store.headPosition();
      await store.append(s, [ev('BOOM')]);
      const errors: unknown[] = [];
      const sub = store.subscribeToAll({
        after: head,
        handler: () => {
          throw new Error('handler failed');
        },
        onError: (e) => errors.push(e),
      });
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await sub.stop();
      expect(String(errors[0])).toContain('handler failed');
      expect(sub.position).toBe(head);
    });
  });
}
