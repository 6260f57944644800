import { InProcessMessageBus } from './in-process/in-process.message-bus';
import { NamespacedBus } from './message-bus.factory';
import { BusMessage } from './message-bus.port';

const message = (topic: string, key = 'k'): BusMessage => ({ topic, key, value: '{}', headers: {} });

describe('NamespacedBus (KAFKA_NAMESPACE)', () => {
  it('publishes and subscribes under the prefix, and hands handlers the contract topic name', async () => {
    const shared = new InProcessMessageBus();
    const a = new NamespacedBus(shared, 'stack-a.');
    const b = new NamespacedBus(shared, 'stack-b.');
    const seenA: BusMessage[] = [];
    const seenB: string[] = [];
    const raw: string[] = [];
    await a.subscribe('organization.events.v1', 'identity', async (m) => void seenA.push(m));
    await b.subscribeBatch('organization.events.v1', 'identity', async (ms) => void seenB.push(...ms.map((m) => m.topic)));
    await shared.subscribe('stack-a.organization.events.v1', 'operator', async (m) => void raw.push(m.topic));

    await a.publish([message('organization.events.v1', 'one')]);

    expect(seenA).toEqual([message('organization.events.v1', 'one')]);
    expect(seenB).toEqual([]); // another stack on the same cluster never sees it
    expect(raw).toEqual(['stack-a.organization.events.v1']); // what Kafka's own tools see
  });

  it('keeps consumer groups apart: the same group name in two namespaces is two groups', async () => {
    const shared = new InProcessMessageBus();
    const calls: string[] = [];
    await new NamespacedBus(shared, 'a.').subscribe('t', 'identity', async () => void calls.push('a'));
    await new NamespacedBus(shared, 'b.').subscribe('t', 'identity', async () => void calls.push('b'));
    await new NamespacedBus(shared, 'a.').publish([message('t')]);
    await new NamespacedBus(shared, 'b.').publish([message('t')]);
    expect(calls.sort()).toEqual(['a', 'b']);
  });
});
