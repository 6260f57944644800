import { BusMessage } from '../message-bus.port';
import { messageBusContract } from '../testing/message-bus.contract';
import { InProcessMessageBus } from './in-process.message-bus';

messageBusContract('in-process', async () => new InProcessMessageBus());

describe('in-process message bus: what it adds to the contract', () => {
  let bus: InProcessMessageBus;
  beforeEach(() => {
    bus = new InProcessMessageBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  const message = (topic: string, value: string, key = 'k', headers: Record<string, string> = {}): BusMessage => ({
    topic,
    key,
    value,
    headers,
  });

  it('resolves publish only once every group has handled the message', async () => {
    const seen: string[] = [];
    await bus.subscribe('t', 'a', async (m) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`a:${m.value}`);
    });
    await bus.subscribe('t', 'b', async (m) => {
      seen.push(`b:${m.value}`);
    });
    await bus.publish([message('t', 'm1'), message('t', 'm2')]);
    expect(seen).toEqual(['a:m1', 'b:m1', 'a:m2', 'b:m2']);
  });

  it('delivers exactly the headers that were sent, nothing added', async () => {
    const got: BusMessage[] = [];
    await bus.subscribe('t', 'a', async (m) => void got.push(m));
    await bus.publish([message('t', 'v', 'k', { 'event-id': 'e1', 'x-empty': '' })]);
    expect(got).toEqual([{ topic: 't', key: 'k', value: 'v', headers: { 'event-id': 'e1', 'x-empty': '' } }]);
  });

  it('rejects publish with the handler’s error, and a later publish of the same message delivers it again', async () => {
    const attempts: string[] = [];
    let fail = true;
    await bus.subscribe('t', 'a', async (m) => {
      attempts.push(m.value);
      if (fail) {
        fail = false;
        throw new Error('handler exploded');
      }
    });
    const m = message('t', 'again', 'k', { 'event-id': 'e-again' });
    await expect(bus.publish([m])).rejects.toThrow('handler exploded');
    await expect(bus.publish([m])).resolves.toBeUndefined();
    expect(attempts).toEqual(['again', 'again']);
  });

  it('stops a batch at the first failing message: the rest is delivered with the retried batch', async () => {
    const handled: string[] = [];
    let fail = true;
    await bus.subscribe('t', 'a', async (m) => {
      if (m.value === 'm2' && fail) {
        fail = false;
        throw new Error('m2 failed');
      }
      handled.push(m.value);
    });
    const batch = [message('t', 'm1'), message('t', 'm2'), message('t', 'm3')];
    await expect(bus.publish(batch)).rejects.toThrow('m2 failed');
    expect(handled).toEqual(['m1']);
    await bus.publish(batch);
    expect(handled).toEqual(['m1', 'm1', 'm2', 'm3']);
  });

  it('does not block the topic after a failure: the next publish is delivered', async () => {
    const handled: string[] = [];
    await bus.subscribe('t', 'a', async (m) => {
      if (m.value === 'bad') throw new Error('bad');
      handled.push(m.value);
    });
    await expect(bus.publish([message('t', 'bad')])).rejects.toThrow('bad');
    await bus.publish([message('t', 'good')]);
    expect(handled).toEqual(['good']);
  });

  it('delivers concurrent publishes to a topic one at a time, in call order', async () => {
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await bus.subscribe('t', 'a', async (m) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${m.value}`);
      await new Promise((r) => setTimeout(r, m.value === 'p1' ? 30 : 1));
      log.push(`end ${m.value}`);
      running--;
    });
    await Promise.all([bus.publish([message('t', 'p1')]), bus.publish([message('t', 'p2')]), bus.publish([message('t', 'p3')])]);
    expect(maxRunning).toBe(1);
    expect(log).toEqual(['start p1', 'end p1', 'start p2', 'end p2', 'start p3', 'end p3']);
  });

  it('hands each handler a copy: the publisher’s message is never changed', async () => {
    await bus.subscribe('t', 'a', async (m) => {
      m.value = 'changed';
      m.headers.added = 'x';
    });
    const sent = message('t', 'original', 'k', { h: '1' });
    await bus.publish([sent]);
    expect(sent).toEqual({ topic: 't', key: 'k', value: 'original', headers: { h: '1' } });
  });

  it('retains, in order, what is published to a topic nobody subscribes to', async () => {
    await bus.subscribe('subscribed', 'a', async () => undefined);
    await bus.publish([message('orphan', 'o1'), message('subscribed', 's1'), message('orphan', 'o2', 'k2', { h: 'v' })]);
    await bus.publish([message('other-orphan', 'x1')]);
    expect(bus.retained.get('orphan')).toEqual([message('orphan', 'o1'), message('orphan', 'o2', 'k2', { h: 'v' })]);
    expect(bus.retained.get('other-orphan')).toEqual([message('other-orphan', 'x1')]);
    expect(bus.retained.has('subscribed')).toBe(false);
  });

  it('does not replay retained messages to a later subscriber', async () => {
    await bus.publish([message('t', 'before')]);
    const got: string[] = [];
    await bus.subscribe('t', 'late', async (m) => void got.push(m.value));
    await bus.publish([message('t', 'after')]);
    expect(got).toEqual(['after']);
    expect(bus.retained.get('t')).toEqual([message('t', 'before')]);
  });

  it('allows one handler per (topic, group)', async () => {
    await bus.subscribe('t', 'g', async () => undefined);
    await expect(bus.subscribe('t', 'g', async () => undefined)).rejects.toThrow('group g already subscribes to t');
    await expect(bus.subscribe('t', 'other', async () => undefined)).resolves.toBeUndefined();
    await expect(bus.subscribe('t2', 'g', async () => undefined)).resolves.toBeUndefined();
  });

  it('names the reason when closed', async () => {
    await bus.close();
    await expect(bus.publish([message('t', 'v')])).rejects.toThrow('message bus is closed');
    await expect(bus.ping()).rejects.toThrow('message bus is closed');
  });
});
