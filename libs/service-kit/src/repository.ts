import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, AggregateRepositoryOptions, Decider, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from './tokens';

/**
 * The base class of a service's repository for one decider: the aggregate repository over the service's event
 * store, injected by Nest. A repository is then one line that names its decider, how an id becomes a stream, and
 * its cache:
 *
 *   @Injectable()
 *   export class UserRepository extends EventSourcedRepository(userDecider, userStream, { cacheSize: 50_000 }) {}
 */
export function EventSourcedRepository<C, E extends { type: string; data?: unknown }, S>(
  decider: Decider<C, E, S>,
  streamName: (id: string) => string,
  options?: AggregateRepositoryOptions,
) {
  @Injectable()
  class Repository extends AggregateRepository<C, E, S> {
    constructor(@Inject(EVENT_STORE) store: EventStore) {
      super(store, decider, streamName, options);
    }
  }
  return Repository;
}
