import { EventMetadata } from './event-store.port';

/**
 * A pure decider: no framework, no I/O, no clock. Time and the actor come in through the command's metadata.
 * `evolve` may update the state in place and return it: the repository owns the state and only evolves it
 * with events that were durably appended, so a refused command never touches it.
 */
export interface Decider<Command, Event extends { type: string }, State> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface CommandEnvelope<C> {
  command: C;
  metadata: EventMetadata & { at: string };
}

/** the reasons a decider refuses a command; HTTP maps them to problem details */
export type DomainErrorKind =
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'gone'
  | 'unprocessable'
  | 'invalid'
  /** the resource lives in another region's stack */
  | 'misdirected';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** a stable machine-readable code, e.g. `last-admin` */
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
