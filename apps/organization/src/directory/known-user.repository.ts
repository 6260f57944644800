import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { KnownUserCommand, knownUserDecider, KnownUserEvent, KnownUserState, knownUserStream } from './known-user';

/** the users identity published, by email */
@Injectable()
export class KnownUserRepository extends AggregateRepository<KnownUserCommand, KnownUserEvent, KnownUserState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, knownUserDecider, knownUserStream, { cacheSize: 10_000 });
  }
}
