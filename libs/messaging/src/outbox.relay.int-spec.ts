import { randomUUID } from 'node:crypto';
import { ReadModelDatabase, RecordedEvent, SqliteEventStore } from '@lib/eventstore';
import { IDENTITY_EVENTS_TOPIC, envelopeSchema, identityEventSchemas, parseEnvelope, toBusMessage } from '@lib/contracts';
import { InProcessMessageBus } from './in-process/in-process.message-bus';
import { BusMessage, HEADER, deadLetterTopic } from './message-bus.port';
import { OutboxRelay, RelayOptions } from './outbox.relay';
import { ParseResult, consume, derivedEventId } from './idempotent.consumer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(assertion: () => void, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(10);
    }
  }
}

// ================================================================ outbox relay

describe('OutboxRelay (SQLite store, SQLite checkpoints, in-process bus)', () => {
  const TOPIC = 'relay.test.v1';
  let store: SqliteEventStore;
  let checkpoints: ReadModelDatabase;
  let bus: InProcessMessageBus;
  let relays: OutboxRelay[];

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    checkpoints = new ReadModelDatabase(':memory:');
    bus = new InProcessMessageBus();
    relays = [];
  });
  afterEach(async () => {
    for (const relay of relays) await relay.stop();
    await bus.close();
    await store.close();
    checkpoints.close();
  });

  /** events whose type starts with `Private` stay private; the rest become a message keyed by stream */
  const toMessage = (event: RecordedEvent): BusMessage | null =>
    event.type.startsWith('Private')
      ? null
      : {
          topic: TOPIC,
          key: event.streamName,
          value: JSON.stringify({ type: event.type, data: event.data, position: event.position }),
          headers: { [HEADER.eventId]: event.id, [HEADER.eventType]: event.type },
        };

  const relay = (overrides: Partial<RelayOptions> = {}) => {
    const r = new OutboxRelay({ name: 'test', store, bus, checkpoints, toMessage, retryDelayMs: 20, ...overrides });
    relays.push(r);
    return r;
  };

  /** subscribes a recorder to the topic; `fail(n)` makes the next n deliveries throw */
  async function subscriber() {
    const attempts: string[] = [];
    const received: BusMessage[] = [];
    let failNext = 0;
    let gate: Promise<void> | null = null;
    await bus.subscribe(TOPIC, 'test-consumer', async (m) => {
      const type = (JSON.parse(m.value) as { type: string }).type;
      attempts.push(type);
      if (gate) await gate;
      if (failNext > 0) {
        failNext--;
        throw new Error('subscriber down');
      }
      received.push(m);
    });
    return {
      attempts,
      received,
      types: () => received.map((m) => (JSON.parse(m.value) as { type: string }).type),
      positions: () => received.map((m) => (JSON.parse(m.value) as { position: number }).position),
      fail: (n: number) => {
        failNext = n;
      },
      hold: () => {
        let release!: () => void;
        gate = new Promise<void>((resolve) => (release = resolve));
        return () => {
          gate = null;
          release();
        };
      },
    };
  }

  const ev = (type: string, data: unknown = {}) => ({ id: randomUUID(), type, data });

  it('publishes the mapped messages in log order across streams and saves its checkpoint', async () => {
    const sub = await subscriber();
    await store.append('s-a', [ev('A1', { n: 1 })]);
    await store.append('s-b', [ev('B1', { n: 2 })]);
    await store.append('s-a', [ev('A2', { n: 3 }), ev('A3', { n: 4 })]);
    const stored = await store.readAll();
    const r = relay();
    r.start();
    await r.flush();
    expect(sub.received).toEqual(
      stored.map((e) => ({
        topic: TOPIC,
        key: e.streamName,
        value: JSON.stringify({ type: e.type, data: e.data, position: e.position }),
        headers: { 'event-id': e.id, 'event-type': e.type },
      })),
    );
    expect(sub.types()).toEqual(['A1', 'B1', 'A2', 'A3']);
    expect(sub.positions()).toEqual([1, 2, 3, 4]);
    expect(r.position).toBe(4);
    expect(r.publishedCount).toBe(4);
    expect(r.checkpointName).toBe('relay:test');
    expect(checkpoints.checkpoint('relay:test')).toEqual({ position: 4, version: 0 });
    expect(r.error).toBeNull();
  });

  it('starts after its stored checkpoint', async () => {
    const sub = await subscriber();
    await store.append('s', [ev('E1'), ev('E2'), ev('E3'), ev('E4')]);
    checkpoints.saveCheckpoint('relay:test', 2);
    const r = relay();
    expect(r.position).toBe(2);
    r.start();
    await r.flush();
    expect(sub.types()).toEqual(['E3', 'E4']);
    expect(r.publishedCount).toBe(2);
    expect(r.position).toBe(4);
  });

  it('follows events appended after it started', async () => {
    const sub = await subscriber();
    const r = relay();
    r.start();
    await store.append('s', [ev('Later1')]);
    await eventually(() => expect(sub.types()).toEqual(['Later1']));
    await store.append('s', [ev('Later2'), ev('Later3')]);
    await r.flush();
    expect(sub.types()).toEqual(['Later1', 'Later2', 'Later3']);
    expect(r.position).toBe(3);
  });

  it('skips events mapped to null, and still moves its checkpoint past them', async () => {
    const sub = await subscriber();
    await store.append('s', [ev('Public1'), ev('PrivateA'), ev('PrivateB'), ev('Public2'), ev('PrivateC')]);
    const r = relay();
    r.start();
    await r.flush();
    expect(sub.types()).toEqual(['Public1', 'Public2']);
    expect(sub.positions()).toEqual([1, 4]);
    expect(r.publishedCount).toBe(2);
    expect(r.position).toBe(5);
    expect(await r.lag()).toBe(0);
  });

  it('does not publish at all for a batch of private events, but moves its checkpoint', async () => {
    await subscriber();
    const publish = jest.spyOn(bus, 'publish');
    await store.append('s', [ev('PrivateA'), ev('PrivateB'), ev('PrivateC')]);
    const r = relay();
    r.start();
    await r.flush(1000);
    expect(publish).not.toHaveBeenCalled();
    expect(r.position).toBe(3);
    expect(r.publishedCount).toBe(0);
  });

  it('after a stop, a new relay on the same checkpoints publishes nothing twice and goes on with new events', async () => {
    const sub = await subscriber();
    await store.append('s', [ev('E1'), ev('E2'), ev('E3')]);
    const first = relay();
    first.start();
    await first.flush();
    await first.stop();
    expect(first.position).toBe(3);

    await store.append('s', [ev('E4')]);
    await store.append('t', [ev('E5')]);
    await sleep(60); // more than the poll interval: a stopped relay must not pick these up
    expect(sub.types()).toEqual(['E1', 'E2', 'E3']);
    expect(first.position).toBe(3);

    const second = relay();
    expect(second.position).toBe(3);
    second.start();
    await second.flush();
    expect(sub.types()).toEqual(['E1', 'E2', 'E3', 'E4', 'E5']);
    expect(sub.positions()).toEqual([1, 2, 3, 4, 5]);
    expect(second.publishedCount).toBe(2);
    expect(second.position).toBe(5);
  });

  it('keeps one checkpoint per relay name', async () => {
    const sub = await subscriber();
    await store.append('s', [ev('E1'), ev('E2')]);
    const a = relay({ name: 'a' });
    a.start();
    await a.flush();
    await a.stop();
    const b = relay({ name: 'b' });
    expect(b.position).toBe(0);
    b.start();
    await b.flush();
    expect(sub.types()).toEqual(['E1', 'E2', 'E1', 'E2']);
    expect(checkpoints.checkpoint('relay:a')?.position).toBe(2);
    expect(checkpoints.checkpoint('relay:b')?.position).toBe(2);
  });

  it('when the bus refuses a batch, keeps its checkpoint and delivers the message again later', async () => {
    const sub = await subscriber();
    sub.fail(1);
    const errors: unknown[] = [];
    const positionsAtError: number[] = [];
    const r: OutboxRelay = relay({
      onError: (error) => {
        errors.push(error);
        positionsAtError.push(r.position);
      },
    });
    await store.append('s', [ev('E1'), ev('E2')]);
    r.start();
    await r.flush(3000);
    expect(errors).toEqual([new Error('subscriber down')]);
    expect(positionsAtError).toEqual([0]);
    expect(sub.attempts).toEqual(['E1', 'E1', 'E2']);
    expect(sub.types()).toEqual(['E1', 'E2']);
    expect(r.position).toBe(2);
    expect(r.publishedCount).toBe(2); // the refused batch is not counted
    expect(r.error).toBeNull();
  });

  it('keeps its checkpoint at the last accepted batch through repeated refusals', async () => {
    const sub = await subscriber();
    const positionsAtError: number[] = [];
    const r: OutboxRelay = relay({ onError: () => positionsAtError.push(r.position) });
    await store.append('s', [ev('E1')]);
    r.start();
    await r.flush();
    sub.fail(3);
    await store.append('s', [ev('E2'), ev('E3')]);
    await r.flush(3000);
    expect(positionsAtError).toEqual([1, 1, 1]);
    expect(sub.attempts).toEqual(['E1', 'E2', 'E2', 'E2', 'E2', 'E3']);
    expect(sub.types()).toEqual(['E1', 'E2', 'E3']);
    expect(r.position).toBe(3);
    expect(r.publishedCount).toBe(3);
  });

  it('exposes the last error while it waits to retry', async () => {
    const sub = await subscriber();
    sub.fail(1);
    const r = relay({ retryDelayMs: 10_000 });
    await store.append('s', [ev('E1')]);
    r.start();
    await eventually(() => expect(r.error).toEqual(new Error('subscriber down')));
    expect(r.position).toBe(0);
    expect(await r.lag()).toBe(1);
  });

  it('stop() cancels a pending retry: nothing is published afterwards', async () => {
    const sub = await subscriber();
    sub.fail(1);
    const r = relay({ retryDelayMs: 50 });
    await store.append('s', [ev('E1')]);
    r.start();
    await eventually(() => expect(sub.attempts).toEqual(['E1']));
    await r.stop();
    await sleep(150);
    expect(sub.attempts).toEqual(['E1']);
    expect(sub.types()).toEqual([]);
    expect(r.position).toBe(0);
  });

  it('lag() reports the events not yet published', async () => {
    await subscriber();
    const r = relay();
    expect(await r.lag()).toBe(0);
    await store.append('s', [ev('E1'), ev('PrivateA'), ev('E2')]);
    expect(await r.lag()).toBe(3);
    r.start();
    await r.flush();
    expect(await r.lag()).toBe(0);
    await r.stop();
    await store.append('s', [ev('E3'), ev('E4')]);
    expect(await r.lag()).toBe(2);
  });

  it('lag() counts from the stored checkpoint', async () => {
    await store.append('s', [ev('E1'), ev('E2'), ev('E3'), ev('E4'), ev('E5')]);
    checkpoints.saveCheckpoint('relay:test', 3);
    expect(await relay().lag()).toBe(2);
  });

  it('flush() resolves at once when there is nothing to publish', async () => {
    const r = relay();
    await expect(r.flush(50)).resolves.toBeUndefined();
    expect(r.position).toBe(0);
  });

  it('flush() waits until everything appended so far is published', async () => {
    const sub = await subscriber();
    const release = sub.hold();
    await store.append('s', [ev('E1'), ev('E2')]);
    const r = relay();
    r.start();
    let flushed = false;
    const flushing = r.flush(3000).then(() => {
      flushed = true;
    });
    await eventually(() => expect(sub.attempts).toEqual(['E1']));
    await sleep(50);
    expect(flushed).toBe(false);
    expect(r.position).toBe(0);
    release();
    await flushing;
    expect(flushed).toBe(true);
    expect(sub.types()).toEqual(['E1', 'E2']);
    expect(r.position).toBe(2);
  });

  it('flush() fails after its timeout when the relay does not catch up, naming where it is', async () => {
    await store.append('s', [ev('E1'), ev('E2')]);
    const r = relay(); // never started
    await expect(r.flush(50)).rejects.toThrow('relay test did not reach 2 (at 0)');
  });
});

// ================================================================ consume()

describe('consume()', () => {
  const TOPIC = IDENTITY_EVENTS_TOPIC;
  const DLQ = `${IDENTITY_EVENTS_TOPIC}.dlq`;
  let bus: InProcessMessageBus;
  beforeEach(() => {
    bus = new InProcessMessageBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  const registered = (userId: string, sourceRevision = 0) =>
    toBusMessage(TOPIC, {
      id: randomUUID(),
      type: 'UserRegistered',
      schemaVersion: 1,
      source: 'identity',
      subject: userId,
      sourceRevision,
      occurredAt: '2025-03-10T12:00:00.000Z',
      correlationId: 'corr-1',
      data: { userId, email: `${userId}@acme.test`, displayName: userId },
    });
  const raw = (value: string, key = 'k', headers: Record<string, string> = {}): BusMessage => ({ topic: TOPIC, key, value, headers });

  async function consumer(options: { handle?: (userId: string) => Promise<void>; parse?: (m: BusMessage) => ParseResult<{ data: { userId: string } }> } = {}) {
    const handled: string[] = [];
    const deadLetters: { message: BusMessage; reason: string }[] = [];
    await consume({
      bus,
      topic: TOPIC,
      group: 'test-group',
      parse: options.parse ?? ((m) => parseEnvelope(m, identityEventSchemas)),
      handle: async (value) => {
        await options.handle?.(value.data.userId);
        handled.push(value.data.userId);
      },
      onDeadLetter: (message, reason) => deadLetters.push({ message, reason }),
    });
    return { handled, deadLetters };
  }

  it('hands valid messages to the handler, parsed', async () => {
    const received: unknown[] = [];
    await consume({
      bus,
      topic: TOPIC,
      group: 'g',
      parse: (m) => parseEnvelope(m, identityEventSchemas),
      handle: async (value, message) => void received.push({ value, key: message.key }),
    });
    const message = registered('u-1', 4);
    await bus.publish([message]);
    expect(received).toEqual([{ value: JSON.parse(message.value), key: 'u-1' }]);
    expect(bus.retained.has(DLQ)).toBe(false);
  });

  it('sends a message that fails to parse to <topic>.dlq with the reason, and goes on with the next one', async () => {
    const c = await consumer();
    const bad = raw('{not json', 'u-bad', { 'event-id': 'e-bad', 'x-custom': 'kept' });
    await bus.publish([registered('u-1'), bad, registered('u-2')]);

    expect(c.handled).toEqual(['u-1', 'u-2']);
    const dead = bus.retained.get(DLQ);
    expect(dead).toHaveLength(1);
    expect(dead![0]).toEqual({
      topic: DLQ,
      key: 'u-bad',
      value: '{not json',
      headers: {
        'event-id': 'e-bad',
        'x-custom': 'kept',
        'dead-letter-reason': expect.stringMatching(/^not JSON: /),
        'dead-letter-source-topic': TOPIC,
        'dead-letter-group': 'test-group',
      },
    });
    expect(c.deadLetters).toHaveLength(1);
    expect(c.deadLetters[0].reason).toBe(dead![0].headers[HEADER.deadLetterReason]);
    expect(c.deadLetters[0].message).toEqual(bad);
  });

  it('dead-letters each kind of invalid message with a reason that names the problem, in order', async () => {
    const c = await consumer();
    const valid = JSON.parse(registered('u-x').value) as Record<string, unknown>;
    const unknownType = raw(JSON.stringify({ ...valid, type: 'UserRenamed' }), 'a');
    const wrongData = raw(JSON.stringify({ ...valid, data: { userId: 'u-x', email: 'not-an-email', displayName: 'x' } }), 'b');
    const { id: _id, ...withoutId } = valid;
    const missingField = raw(JSON.stringify(withoutId), 'c');
    await bus.publish([unknownType, registered('u-1'), wrongData, missingField, registered('u-2')]);

    expect(c.handled).toEqual(['u-1', 'u-2']);
    expect(bus.retained.get(DLQ)!.map((m) => [m.key, m.headers[HEADER.deadLetterReason]])).toEqual([
      ['a', 'unknown event type UserRenamed'],
      ['b', 'invalid UserRegistered: email: Invalid email'],
      ['c', 'invalid envelope: id: Required'],
    ]);
  });

  it('uses "invalid message" as the reason when the parser gives none', async () => {
    const c = await consumer({ parse: () => ({ ok: false }) });
    await bus.publish([raw('anything')]);
    expect(bus.retained.get(DLQ)!.map((m) => m.headers[HEADER.deadLetterReason])).toEqual(['invalid message']);
    expect(c.deadLetters.map((d) => d.reason)).toEqual(['invalid message']);
    expect(c.handled).toEqual([]);
  });

  it('publishes dead letters through the bus: a subscriber of the dead-letter topic receives them', async () => {
    await consumer();
    const dlq: BusMessage[] = [];
    await bus.subscribe(deadLetterTopic(TOPIC), 'ops', async (m) => void dlq.push(m));
    await bus.publish([raw('nope', 'k1')]);
    expect(dlq.map((m) => [m.topic, m.key, m.value, m.headers[HEADER.deadLetterSourceTopic]])).toEqual([[DLQ, 'k1', 'nope', TOPIC]]);
    expect(bus.retained.has(DLQ)).toBe(false);
  });

  it('treats an exception from the handler as a failure to process, not a dead letter: the message comes again', async () => {
    let failures = 0;
    const c = await consumer({
      handle: async (userId) => {
        if (userId === 'u-1' && failures === 0) {
          failures++;
          throw new Error('store unavailable');
        }
      },
    });
    const message = registered('u-1');
    await expect(bus.publish([message])).rejects.toThrow('store unavailable');
    expect(bus.retained.has(DLQ)).toBe(false);
    expect(c.deadLetters).toEqual([]);
    expect(c.handled).toEqual([]);
    await bus.publish([message]);
    expect(c.handled).toEqual(['u-1']);
    expect(bus.retained.has(DLQ)).toBe(false);
  });

  it('names the dead-letter topic after the source topic', () => {
    expect(deadLetterTopic('organization.events.v1')).toBe('organization.events.v1.dlq');
  });
});

// ================================================================ derivedEventId

describe('derivedEventId', () => {
  const UUID_V5_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const SOURCE = '0b8f3a4e-3c1d-4f6a-9b2e-1d2c3b4a5f60';

  it('is deterministic: the same consumer, source event and index give the same id', () => {
    expect(derivedEventId('identity', SOURCE, 2)).toBe(derivedEventId('identity', SOURCE, 2));
    expect(derivedEventId('identity', SOURCE)).toBe(derivedEventId('identity', SOURCE, 0));
  });

  it('is stable across releases (ids already in stores must keep matching redeliveries)', () => {
    expect(derivedEventId('identity', SOURCE)).toBe('c101e2b4-95bf-5d18-9508-e09c398894ae');
    expect(derivedEventId('identity', SOURCE, 1)).toBe('e6c10b1f-9927-5b53-8630-f5e83500abb2');
  });

  it('has the shape of a UUID (version 5, RFC variant) that the envelope schema accepts', () => {
    for (let i = 0; i < 200; i++) {
      const id = derivedEventId(`consumer-${i % 3}`, randomUUID(), i % 4);
      expect(id).toMatch(UUID_V5_SHAPE);
      expect(envelopeSchema.shape.id.safeParse(id).success).toBe(true);
    }
  });

  it('differs per consumer, per source event and per index', () => {
    const ids = new Set<string>();
    const sources = Array.from({ length: 20 }, (_, i) => `source-${i}`);
    for (const consumerName of ['identity', 'organization', 'app-packaging']) {
      for (const source of sources) {
        for (let index = 0; index < 5; index++) ids.add(derivedEventId(consumerName, source, index));
      }
    }
    expect(ids.size).toBe(3 * 20 * 5);
    expect(derivedEventId('identity', SOURCE, 0)).not.toBe(derivedEventId('organization', SOURCE, 0));
    expect(derivedEventId('identity', SOURCE, 0)).not.toBe(derivedEventId('identity', SOURCE, 1));
  });
});

describe('outbox relay after a failed read', () => {
  it('publishes every event exactly once after a transient read failure, and nothing after stop', async () => {
    const { SqliteEventStore: Store, ReadModelDatabase: Db } = await import('@lib/eventstore');
    const { InProcessMessageBus: Bus, OutboxRelay: Relay } = await import('@lib/messaging');
    const store = new Store({ filename: ':memory:', pollIntervalMs: 10 });
    const db = new Db(':memory:');
    const bus = new Bus();
    const seen: string[] = [];
    await bus.subscribe('t', 'g', async (m) => {
      seen.push(m.key);
    });
    const realReadAll = store.readAll.bind(store);
    let failOnce = true;
    store.readAll = async (options) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('disk hiccup');
      }
      return realReadAll(options);
    };
    const relay = new Relay({
      name: 'r',
      store,
      bus,
      checkpoints: db,
      retryDelayMs: 10,
      toMessage: (e) => ({ topic: 't', key: e.type, value: '{}', headers: {} }),
    });
    relay.start();
    await store.append('s', [{ type: 'E1', data: {} }, { type: 'E2', data: {} }]);
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await store.append('s', [{ type: 'E3', data: {} }]);
    await relay.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['E1', 'E2', 'E3']);
    await relay.stop();
    await store.append('s', [{ type: 'E4', data: {} }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['E1', 'E2', 'E3']);
    await store.close();
    db.close();
  });
});
