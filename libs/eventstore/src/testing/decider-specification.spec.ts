import { DomainError } from '../decider';
import { DeciderSpecification, emits, nothing, refused } from './decider-specification';

/* the helper itself, on a counter that refuses to go below zero */
type CounterEvent = { type: 'Incremented'; by: number } | { type: 'Decremented'; by: number };
type CounterCommand = { type: 'Increment'; by: number } | { type: 'Decrement'; by: number } | { type: 'Crash' };
const counter = {
  initialState: () => 0,
  evolve: (n: number, e: CounterEvent) => (e.type === 'Incremented' ? n + e.by : n - e.by),
  decide(command: CounterCommand, n: number): CounterEvent[] {
    if (command.type === 'Crash') throw new TypeError('a bug, not a refusal');
    if (command.by === 0) return [];
    if (command.type === 'Decrement' && n - command.by < 0) {
      throw new DomainError('conflict', 'below zero', 'below-zero', { value: n });
    }
    return [{ type: command.type === 'Increment' ? 'Incremented' : 'Decremented', by: command.by }];
  },
};
const spec = DeciderSpecification.for(counter);
const up = (by: number): CounterEvent => ({ type: 'Incremented', by });

describe('DeciderSpecification', () => {
  it('folds the given events with evolve', () => {
    expect(spec([up(2), up(3)]).state()).toBe(5);
    expect(spec(up(4)).state()).toBe(4);
    expect(spec.fold([])).toBe(0);
  });

  it('tells events from refusals, so a wrong expectation fails', () => {
    const accepted = spec([up(1)]).when({ type: 'Decrement', by: 1 });
    expect(accepted.outcome).toEqual(emits({ type: 'Decremented', by: 1 }));
    expect(() => accepted.thenThrows('conflict', 'below-zero')).toThrow();
    expect(() => accepted.thenNothingHappened()).toThrow();
    expect(() => accepted.refusal()).toThrow('expected Decrement to be refused');

    const refusal = spec([]).when({ type: 'Decrement', by: 1 });
    expect(refusal.outcome).toEqual(refused('conflict', 'below-zero'));
    expect(() => refusal.then({ type: 'Decremented', by: 1 })).toThrow();
    refusal.thenThrows('conflict', 'below-zero', { value: 0 });
    expect(() => refusal.thenThrows('conflict', 'below-zero', { value: 1 })).toThrow();
    expect(refusal.refusal().message).toBe('below zero');

    spec([]).when({ type: 'Increment', by: 0 }).thenNothingHappened();
    expect(spec([]).when({ type: 'Increment', by: 0 }).outcome).toEqual(nothing);
    spec([up(1)]).when({ type: 'Increment', by: 2 }).then(up(2));
    expect(() => spec([up(1)]).when({ type: 'Increment', by: 2 }).then(up(3))).toThrow();
  });

  it('rethrows anything that is not a DomainError', () => {
    expect(() => spec([]).when({ type: 'Crash' })).toThrow('a bug, not a refusal');
  });

  describe('run: one test per case', () => {
    spec.run([
      { name: 'an increment', given: [], when: { type: 'Increment', by: 1 }, then: emits(up(1)) },
      { name: 'no change', given: [up(1)], when: { type: 'Decrement', by: 0 }, then: nothing },
      { name: 'a refusal', given: [up(1)], when: { type: 'Decrement', by: 2 }, then: refused('conflict', 'below-zero') },
    ]);
  });
});
