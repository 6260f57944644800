import { DomainError, DomainErrorKind } from '../decider';

/**
 * The one given / when / then helper of every decider test (after emmett's `DeciderSpecification`):
 *
 *   const spec = DeciderSpecification.for(organizationDecider);
 *   spec(history).when(command).then(event1, event2);
 *   spec(history).when(command).thenThrows('conflict', 'last-admin');
 *   spec.run([{ name, given, when, then: emits(...) | nothing | refused(kind, code) }]);
 *
 * `given` folds the prior events with the decider's own `evolve`, `when` decides once. A DomainError is a
 * refusal (an outcome); anything else is a bug and fails the test where it is thrown.
 */
export type Outcome<E> = { events: E[] } | { error: { kind: DomainErrorKind; code: string } };

export const emits = <E>(...events: E[]): Outcome<E> => ({ events });
export const nothing: Outcome<never> = { events: [] };
export const refused = (kind: DomainErrorKind, code: string): Outcome<never> => ({ error: { kind, code } });

export interface DeciderCase<C, E> {
  name: string;
  given: readonly E[];
  when: C;
  then: Outcome<E>;
}

export interface WhenResult<E> {
  /** what the decision came to: events, or the refusal's kind and code */
  readonly outcome: Outcome<E>;
  /** exactly these events, in this order */
  then(...expected: E[]): void;
  thenNothingHappened(): void;
  /** refused with this kind and code (and, when given, details containing these) */
  thenThrows(kind: DomainErrorKind, code: string, details?: Record<string, unknown>): void;
  /** the DomainError itself, to look at its message or details; fails when the command was accepted */
  refusal(): DomainError;
}

export interface GivenResult<C, E, S> {
  /** the state the prior events fold to */
  state(): S;
  when(command: C): WhenResult<E>;
}

export interface DeciderSpecification<C, E, S> {
  (given: E | readonly E[]): GivenResult<C, E, S>;
  fold(events: readonly E[]): S;
  /** one jest test per case, named after it */
  run(cases: readonly DeciderCase<C, E>[]): void;
}

/** any decider: `initialState`, `evolve`, `decide` (the shape of `Decider` from `../decider`) */
type AnyDecider<C, E, S> = {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
};

function forDecider<C, E, S>(decider: AnyDecider<C, E, S>): DeciderSpecification<C, E, S> {
  const fold = (events: readonly E[]): S => events.reduce<S>((state, event) => decider.evolve(state, event), decider.initialState());

  const decide = (events: readonly E[], command: C): { outcome: Outcome<E>; error?: DomainError } => {
    const state = fold(events);
    try {
      return { outcome: { events: decider.decide(command, state) } };
    } catch (error) {
      if (error instanceof DomainError) return { outcome: { error: { kind: error.kind, code: error.code } }, error };
      throw error;
    }
  };

  const given = (history: E | readonly E[]): GivenResult<C, E, S> => {
    const events: readonly E[] = Array.isArray(history) ? history : [history as E];
    return {
      state: () => fold(events),
      when(command: C): WhenResult<E> {
        const { outcome, error } = decide(events, command);
        const describe = (command as { type?: string }).type ?? 'the command';
        return {
          outcome,
          then: (...expected: E[]) => expect(outcome).toStrictEqual({ events: expected }),
          thenNothingHappened: () => expect(outcome).toStrictEqual({ events: [] }),
          thenThrows(kind, code, details) {
            expect(outcome).toStrictEqual({ error: { kind, code } });
            if (details) expect(error?.details).toMatchObject(details);
          },
          refusal() {
            if (!error) throw new Error(`expected ${describe} to be refused, it emitted ${JSON.stringify(outcome)}`);
            return error;
          },
        };
      },
    };
  };

  return Object.assign(given, {
    fold,
    run(cases: readonly DeciderCase<C, E>[]) {
      it.each(cases.map((c) => ({ ...c })))('$name', ({ given: history, when, then }) => {
        expect(given(history).when(when).outcome).toStrictEqual(then);
      });
    },
  });
}

export const DeciderSpecification = { for: forDecider };
