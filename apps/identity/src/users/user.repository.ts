import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { UserCommand, userDecider, UserEvent, UserState, userStream } from './user.decider';

@Injectable()
export class UserRepository extends AggregateRepository<UserCommand, UserEvent, UserState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, userDecider, userStream, { cacheSize: 50_000 });
  }
}
