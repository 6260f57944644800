import { randomUUID } from 'node:crypto';
import { BusMessage, HEADER, MessageBus, MessageHandler } from '../message-bus.port';

export interface MessageBusContractOptions {
  /** a fresh topic for one test (a broker adapter may create it here); default `contract-<uuid>` */
  topic?: () => Promise<string>;
  /** how long to wait for an asynchronous delivery before failing; default 4000 ms */
  deliveryTimeoutMs?: number;
}

/**
 * The contract every MessageBus adapter passes. `create` returns an open bus; every test uses its own
 * topics and groups, so adapters over a shared broker need no cleanup between tests.
 *
 * Delivery may be synchronous with `publish` (in-process) or happen later (a broker): every assertion on
 * what a handler saw waits for it with `eventually`. At-least-once is stated so both designs satisfy it:
 * the publisher retries a rejected publish (what the outbox relay does); a broker adapter resolves the
 * publish and redelivers to the failing handler itself. Either way the message ends up handled.
 */
export function messageBusContract(name: string, create: () => Promise<MessageBus>, options: MessageBusContractOptions = {}) {
  const newTopic = options.topic ?? (async () => `contract-${randomUUID()}`);
  const timeoutMs = options.deliveryTimeoutMs ?? 4000;
  const testTimeout = timeoutMs * 3 + 2000;

  describe(`message bus contract: ${name}`, () => {
    let bus: MessageBus;
    let closed: boolean;
    const group = (label: string) => `contract-${label}-${randomUUID()}`;

    beforeEach(async () => {
      bus = await create();
      closed = false;
    });
    afterEach(async () => {
      if (!closed) await bus.close();
    });

    const message = (topic: string, key: string, value: string, headers: Record<string, string> = {}): BusMessage => ({
      topic,
      key,
      value,
      headers,
    });

    /** a handler that records what it receives */
    function recorder() {
      const received: BusMessage[] = [];
      const handler: MessageHandler = async (m) => {
        received.push(m);
      };
      return { received, handler, values: () => received.map((m) => m.value) };
    }

    it(
      'delivers a published message with its topic, key, value and headers',
      async () => {
        const topic = await newTopic();
        const r = recorder();
        await bus.subscribe(topic, group('a'), r.handler);
        const sent = message(topic, 'key-1', '{"hello":"world"}', { [HEADER.eventId]: 'e-1', [HEADER.eventType]: 'Greeted' });
        await bus.publish([sent]);
        await eventually(() => expect(r.received).toHaveLength(1), timeoutMs);
        const [got] = r.received;
        expect(got.topic).toBe(topic);
        expect(got.key).toBe('key-1');
        expect(got.value).toBe('{"hello":"world"}');
        expect(got.headers).toEqual(expect.objectContaining({ 'event-id': 'e-1', 'event-type': 'Greeted' }));
      },
      testTimeout,
    );

    it(
      'delivers headers intact: every name and value as sent, including unicode, JSON and empty values',
      async () => {
        const topic = await newTopic();
        const r = recorder();
        await bus.subscribe(topic, group('a'), r.handler);
        const headers = {
          [HEADER.eventId]: randomUUID(),
          [HEADER.eventType]: 'MemberAdded',
          [HEADER.schemaVersion]: '1',
          [HEADER.correlationId]: 'corr/42 ✓',
          'x-unicode': 'Zürich – 東京 – 🚀',
          'x-json': '{"a":[1,2,{"b":"c"}],"quote":"\\""}',
          'x-spaces': '  leading and trailing  ',
          'x-empty': '',
          'x-long': 'h'.repeat(2000),
        };
        await bus.publish([message(topic, 'k', 'v', headers)]);
        await eventually(() => expect(r.received).toHaveLength(1), timeoutMs);
        for (const [name, value] of Object.entries(headers)) {
          expect({ name, value: r.received[0].headers[name] }).toEqual({ name, value });
        }
      },
      testTimeout,
    );

    it(
      'delivers values intact (unicode and large payloads)',
      async () => {
        const topic = await newTopic();
        const r = recorder();
        await bus.subscribe(topic, group('a'), r.handler);
        const values = ['', 'plain', 'Zürich – 東京 – 🚀', JSON.stringify({ big: 'x'.repeat(100_000) })];
        await bus.publish(values.map((v) => message(topic, 'k', v)));
        await eventually(() => expect(r.values()).toHaveLength(values.length), timeoutMs);
        expect(r.values()).toEqual(values);
      },
      testTimeout,
    );

    it(
      'delivers every message to every group',
      async () => {
        const topic = await newTopic();
        const a = recorder();
        const b = recorder();
        await bus.subscribe(topic, group('a'), a.handler);
        await bus.subscribe(topic, group('b'), b.handler);
        await bus.publish([message(topic, 'k1', 'm1'), message(topic, 'k2', 'm2')]);
        await bus.publish([message(topic, 'k1', 'm3')]);
        await eventually(() => {
          expect(a.values()).toHaveLength(3);
          expect(b.values()).toHaveLength(3);
        }, timeoutMs);
        expect([...a.values()].sort()).toEqual(['m1', 'm2', 'm3']);
        expect([...b.values()].sort()).toEqual(['m1', 'm2', 'm3']);
      },
      testTimeout,
    );

    it(
      'delivers only a topic’s own messages to its subscribers',
      async () => {
        const topicA = await newTopic();
        const topicB = await newTopic();
        expect(topicA).not.toBe(topicB);
        const onB = recorder();
        await bus.subscribe(topicB, group('b'), onB.handler);
        await bus.publish([message(topicA, 'k', 'for-a')]);
        await bus.publish([message(topicB, 'k', 'for-b')]);
        await eventually(() => expect(onB.values()).toContain('for-b'), timeoutMs);
        expect(onB.values()).toEqual(['for-b']);
        expect(onB.received[0].topic).toBe(topicB);
      },
      testTimeout,
    );

    it(
      'delivers one key’s messages to a group in publish order (across publishes and within a batch)',
      async () => {
        const topic = await newTopic();
        const r = recorder();
        await bus.subscribe(topic, group('a'), r.handler);
        const expected: string[] = [];
        for (let i = 0; i < 10; i++) {
          expected.push(`m${i}`);
          await bus.publish([message(topic, 'same-key', `m${i}`)]);
        }
        const batch = Array.from({ length: 10 }, (_, i) => `m${10 + i}`);
        expected.push(...batch);
        await bus.publish(batch.map((v) => message(topic, 'same-key', v)));
        await eventually(() => expect(r.values()).toHaveLength(20), timeoutMs);
        expect(r.values()).toEqual(expected);
      },
      testTimeout,
    );

    it(
      'keeps each key’s order when keys interleave',
      async () => {
        const topic = await newTopic();
        const r = recorder();
        await bus.subscribe(topic, group('a'), r.handler);
        const keys = ['alpha', 'beta', 'gamma'];
        const batch = Array.from({ length: 30 }, (_, i) => message(topic, keys[i % 3], `${keys[i % 3]}-${Math.floor(i / 3)}`));
        await bus.publish(batch);
        await eventually(() => expect(r.received).toHaveLength(30), timeoutMs);
        for (const key of keys) {
          const ofKey = r.received.filter((m) => m.key === key).map((m) => m.value);
          expect(ofKey).toEqual(Array.from({ length: 10 }, (_, i) => `${key}-${i}`));
        }
      },
      testTimeout,
    );

    it(
      'gives each group its own copy: a handler that mutates its message does not change another group’s',
      async () => {
        const topic = await newTopic();
        const b = recorder();
        await bus.subscribe(topic, group('a'), async (m) => {
          m.value = 'tampered';
          m.headers['x-tampered'] = 'yes';
        });
        await bus.subscribe(topic, group('b'), b.handler);
        await bus.publish([message(topic, 'k', 'original', { 'x-h': '1' })]);
        await eventually(() => expect(b.received).toHaveLength(1), timeoutMs);
        expect(b.received[0].value).toBe('original');
        expect(b.received[0].headers['x-h']).toBe('1');
        expect(b.received[0].headers['x-tampered']).toBeUndefined();
      },
      testTimeout,
    );

    it(
      'hands a message whose handler threw to the handler again, until it is handled (at-least-once)',
      async () => {
        const topic = await newTopic();
        const attempts: string[] = [];
        const handled: string[] = [];
        let failures = 0;
        await bus.subscribe(topic, group('a'), async (m) => {
          attempts.push(m.value);
          if (m.value === 'fragile' && failures === 0) {
            failures++;
            throw new Error('handler failed once');
          }
          handled.push(m.value);
        });
        await publishUntilAccepted(bus, [message(topic, 'k', 'fragile', { [HEADER.eventId]: 'e-fragile' })]);
        await eventually(() => expect(handled).toContain('fragile'), timeoutMs);
        expect(failures).toBe(1);
        expect(attempts.filter((v) => v === 'fragile').length).toBeGreaterThanOrEqual(2);
        expect(attempts[0]).toBe('fragile'); // the failed attempt came first
        expect(new Set(handled)).toEqual(new Set(['fragile']));
      },
      testTimeout,
    );

    it(
      'does not let a later message with the same key overtake one whose handler failed',
      async () => {
        const topic = await newTopic();
        const handled: string[] = [];
        let failed = false;
        await bus.subscribe(topic, group('a'), async (m) => {
          if (m.value === 'first' && !failed) {
            failed = true;
            throw new Error('first attempt fails');
          }
          handled.push(m.value);
        });
        await publishUntilAccepted(bus, [message(topic, 'k', 'first'), message(topic, 'k', 'second')]);
        await eventually(() => expect(handled).toContain('second'), timeoutMs);
        expect(failed).toBe(true);
        // duplicates are allowed (at-least-once); the order of first successes is not negotiable
        expect(firstOccurrences(handled)).toEqual(['first', 'second']);
      },
      testTimeout,
    );

    it(
      'keeps delivering to the other groups when one group’s handler fails',
      async () => {
        const topic = await newTopic();
        const healthy = recorder();
        let failed = false;
        await bus.subscribe(topic, group('flaky'), async () => {
          if (!failed) {
            failed = true;
            throw new Error('flaky');
          }
        });
        await bus.subscribe(topic, group('healthy'), healthy.handler);
        await publishUntilAccepted(bus, [message(topic, 'k', 'm1')]);
        await bus.publish([message(topic, 'k', 'm2')]);
        await eventually(() => expect(healthy.values()).toContain('m2'), timeoutMs);
        expect(failed).toBe(true);
        expect(firstOccurrences(healthy.values())).toEqual(['m1', 'm2']);
      },
      testTimeout,
    );

    it(
      'hands a batch subscriber each key’s messages in publish order, in batches of at most maxMessages',
      async () => {
        const topic = await newTopic();
        const calls: BusMessage[][] = [];
        await bus.subscribeBatch(topic, group('batch'), async (messages) => void calls.push(messages), { maxMessages: 4 });
        const keys = ['alpha', 'beta', 'gamma'];
        const sent = Array.from({ length: 30 }, (_, i) => message(topic, keys[i % 3], `${keys[i % 3]}-${Math.floor(i / 3)}`));
        await bus.publish(sent);
        await eventually(() => expect(calls.flat()).toHaveLength(30), timeoutMs);
        expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(4);
        expect(calls.some((c) => c.length > 1)).toBe(true);
        for (const key of keys) {
          const ofKey = calls.flat().filter((m) => m.key === key).map((m) => m.value);
          expect(ofKey).toEqual(Array.from({ length: 10 }, (_, i) => `${key}-${i}`));
        }
        expect(calls.flat()[0].topic).toBe(topic);
      },
      testTimeout,
    );

    it(
      'hands a batch whose handler threw to it again; nothing with the same key overtakes it',
      async () => {
        const topic = await newTopic();
        const handled: string[] = [];
        let failed = false;
        await bus.subscribeBatch(topic, group('batch'), async (messages) => {
          if (!failed && messages.some((m) => m.value === 'first')) {
            failed = true;
            throw new Error('batch fails once');
          }
          handled.push(...messages.map((m) => m.value));
        });
        await publishUntilAccepted(bus, [message(topic, 'k', 'first'), message(topic, 'k', 'second')]);
        await bus.publish([message(topic, 'k', 'third')]);
        await eventually(() => expect(handled).toContain('third'), timeoutMs);
        expect(failed).toBe(true);
        expect(firstOccurrences(handled)).toEqual(['first', 'second', 'third']);
      },
      testTimeout,
    );

    it('answers ping while open', async () => {
      await expect(bus.ping()).resolves.toBeUndefined();
    });

    it(
      'close() waits for a running handler to finish',
      async () => {
        const topic = await newTopic();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const events: string[] = [];
        await bus.subscribe(topic, group('a'), async (m) => {
          events.push(`start ${m.value}`);
          await gate;
          events.push(`end ${m.value}`);
        });
        const publishing = bus.publish([message(topic, 'k', 'slow')]);
        publishing.catch(() => undefined);
        await eventually(() => expect(events).toEqual(['start slow']), timeoutMs);
        let closeSettled = false;
        const closing = bus.close().then(() => {
          closeSettled = true;
        });
        closed = true;
        await sleep(50);
        expect(closeSettled).toBe(false);
        release();
        await closing;
        expect(events).toEqual(['start slow', 'end slow']);
        await publishing;
      },
      testTimeout,
    );

    it('refuses to publish, and fails its ping, once closed', async () => {
      const topic = await newTopic();
      await bus.close();
      closed = true;
      await expect(bus.publish([message(topic, 'k', 'late')])).rejects.toThrow();
      await expect(bus.ping()).rejects.toThrow();
    });
  });
}

/** what a publisher does with a refused publish (the outbox relay retries from its checkpoint) */
export async function publishUntilAccepted(bus: MessageBus, messages: BusMessage[], attempts = 10, delayMs = 10): Promise<number> {
  for (let refusals = 0; ; refusals++) {
    try {
      await bus.publish(messages);
      return refusals;
    } catch (error) {
      if (refusals + 1 >= attempts) throw error;
      await sleep(delayMs);
    }
  }
}

/** retries an assertion until it passes or the time is up (then fails with the last assertion error) */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 4000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const firstOccurrences = (values: string[]) => [...new Set(values)];
