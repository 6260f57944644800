import { CheckpointedProcessor } from './checkpointed-processor';
import { RecordedEvent } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

const eventually = async (check: () => void, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
};

describe('CheckpointedProcessor', () => {
  let store: SqliteEventStore;
  let checkpoint: number;
  let seen: string[];
  let failures: number;
  const errors: unknown[] = [];

  const processor = (batchSize = 2, backoff = { initialMs: 20, maxMs: 80 }) =>
    new CheckpointedProcessor({
      name: 'test',
      store,
      checkpoint: () => checkpoint,
      batchSize,
      backoff,
      onError: (e) => errors.push(e),
      handle: (events: RecordedEvent[]) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('handler down');
        }
        seen.push(...events.map((e) => e.type));
        checkpoint = events[events.length - 1].position;
      },
    });

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    checkpoint = 0;
    seen = [];
    failures = 0;
    errors.length = 0;
  });
  afterEach(() => store.close());

  it('starts after the stored checkpoint and follows new appends in order', async () => {
    await store.append('s', ['A', 'B', 'C'].map((type) => ({ type, data: {} })));
    checkpoint = 1;
    const p = processor();
    p.start();
    await eventually(() => expect(seen).toEqual(['B', 'C']));
    await store.append('s', [{ type: 'D', data: {} }]);
    await eventually(() => expect(seen).toEqual(['B', 'C', 'D']));
    expect(p.handled).toBe(3);
    await p.stop();
  });

  it('restarts from the durable checkpoint after failures, waiting longer each time, and reports the failure meanwhile', async () => {
    await store.append('s', ['A', 'B', 'C'].map((type) => ({ type, data: {} })));
    failures = 3;
    const p = processor();
    const started = Date.now();
    p.start();
    await eventually(() => expect(p.error).toEqual(new Error('handler down')));
    await eventually(() => expect(seen).toEqual(['A', 'B', 'C']));
    // 20 + 40 + 80 ms of backoff before the fourth attempt
    expect(Date.now() - started).toBeGreaterThanOrEqual(130);
    expect(errors).toHaveLength(3);
    expect(p.error).toBeNull();
    await p.stop();
  });

  it('stop() cancels a pending restart', async () => {
    await store.append('s', [{ type: 'A', data: {} }]);
    failures = 1;
    const p = processor(2, { initialMs: 100, maxMs: 100 });
    p.start();
    await eventually(() => expect(errors).toHaveLength(1));
    await p.stop();
    await new Promise((r) => setTimeout(r, 250));
    expect(seen).toEqual([]);
    expect(p.running).toBe(false);
  });

  it('reports lag and catch-up progress against the head of the log', async () => {
    await store.append('s', Array.from({ length: 10 }, () => ({ type: 'E', data: {} })));
    const p = processor(4);
    expect(await p.lag()).toBe(10);
    expect(await p.progress()).toMatchObject({ position: 0, head: 10, behind: 10, ratePerSecond: 0, etaSeconds: null });
    p.start();
    await eventually(() => expect(seen).toHaveLength(10));
    const progress = await p.progress();
    expect(progress).toMatchObject({ position: 10, head: 10, behind: 0, etaSeconds: 0 });
    expect(progress.ratePerSecond).toBeGreaterThan(0);
    await p.stop();
  });
});
