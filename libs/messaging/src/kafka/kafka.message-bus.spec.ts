import { logLevel } from 'kafkajs';
import { assertRoutableTopic, KafkaMessageBus } from './kafka.message-bus';

/** no broker needed: nothing here opens a connection */
describe('KafkaMessageBus without a broker', () => {
  const bus = () => new KafkaMessageBus({ brokers: ['127.0.0.1:1'], clientId: 'unit', logLevel: logLevel.NOTHING });

  it('needs a broker', () => {
    expect(() => new KafkaMessageBus({ brokers: [], clientId: 'unit' })).toThrow('at least one broker');
  });

  it('publishes an empty batch without connecting', async () => {
    const b = bus();
    await expect(b.publish([])).resolves.toBeUndefined();
    await b.close();
  });

  it('names the reason once closed', async () => {
    const b = bus();
    await b.close();
    await expect(b.publish([{ topic: 't', key: 'k', value: 'v', headers: {} }])).rejects.toThrow('message bus is closed');
    await expect(b.ping()).rejects.toThrow('message bus is closed');
    await expect(b.subscribe('t', 'g', async () => undefined)).rejects.toThrow('message bus is closed');
    await expect(b.ensureTopics(['t'])).rejects.toThrow('message bus is closed');
    await expect(b.close()).resolves.toBeUndefined();
  });

  it('refuses topic names that Nest would route to another handler', async () => {
    for (const topic of ['1.50', '1e3', 'true', 'null', '-0']) {
      expect(() => assertRoutableTopic(topic)).toThrow(`topic name ${topic} cannot be subscribed`);
    }
    for (const topic of ['orders', 'identity.events.v1', '123', 'a-b_c.d']) {
      expect(() => assertRoutableTopic(topic)).not.toThrow();
    }
    const b = bus();
    await expect(b.subscribe('true', 'g', async () => undefined)).rejects.toThrow('cannot be subscribed');
    await b.close();
  });
});
