import { InProcessMessageBus } from './in-process/in-process.message-bus';
import { consumeBatches } from './idempotent.consumer';
import { BusMessage, deadLetterTopic, HEADER } from './message-bus.port';

const message = (value: string, key = 'k'): BusMessage => ({ topic: 't', key, value, headers: { [HEADER.eventId]: `e-${value}` } });
const parse = (m: BusMessage) => {
  const n = Number(m.value);
  return Number.isInteger(n) ? { ok: true, value: n } : { ok: false, reason: `not a number: ${m.value}` };
};

describe('consumeBatches()', () => {
  it('hands the valid messages of a batch over together and dead-letters a poison one without holding them up', async () => {
    const bus = new InProcessMessageBus();
    const batches: number[][] = [];
    const deadLettered: string[] = [];
    await consumeBatches<number>({
      bus,
      topic: 't',
      group: 'g',
      parse,
      handleBatch: async (items) => void batches.push(items.map((i) => i.value)),
      onDeadLetter: (m, reason) => deadLettered.push(`${m.value}: ${reason}`),
    });
    await bus.publish([message('1'), message('2'), message('poison'), message('3')]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(deadLettered).toEqual(['poison: not a number: poison']);
    const [dead] = bus.retained.get(deadLetterTopic('t'))!;
    expect(dead.value).toBe('poison');
    expect(dead.headers).toMatchObject({ [HEADER.deadLetterReason]: 'not a number: poison', [HEADER.deadLetterSourceTopic]: 't', [HEADER.deadLetterGroup]: 'g' });
    await bus.close();
  });

  it('gets the whole batch again after handleBatch failed, and dead-letters a poison message only once', async () => {
    const bus = new InProcessMessageBus();
    const applied: number[] = [];
    let failures = 1;
    await consumeBatches<number>({
      bus,
      topic: 't',
      group: 'g',
      parse,
      handleBatch: async (items) => {
        if (failures-- > 0) throw new Error('store unavailable');
        applied.push(...items.map((i) => i.value));
      },
    });
    const batch = [message('1'), message('bad'), message('2')];
    await expect(bus.publish(batch)).rejects.toThrow('store unavailable');
    expect(bus.retained.get(deadLetterTopic('t'))).toBeUndefined();
    await bus.publish(batch); // what the relay does: publish again from its checkpoint
    expect(applied).toEqual([1, 2]);
    expect(bus.retained.get(deadLetterTopic('t'))!.map((m) => m.value)).toEqual(['bad']);
    await bus.close();
  });

  it('splits what it is handed into batches of at most maxMessages, in order', async () => {
    const bus = new InProcessMessageBus();
    const sizes: number[] = [];
    const applied: number[] = [];
    await consumeBatches<number>({
      bus,
      topic: 't',
      group: 'g',
      parse,
      maxMessages: 3,
      handleBatch: async (items) => {
        sizes.push(items.length);
        applied.push(...items.map((i) => i.value));
      },
    });
    await bus.publish(Array.from({ length: 7 }, (_, i) => message(String(i))));
    expect(sizes).toEqual([3, 3, 1]);
    expect(applied).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await bus.close();
  });
});
