import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { SessionCommand, sessionDecider, SessionEvent, SessionState, sessionStream } from './session.decider';

@Injectable()
export class SessionRepository extends AggregateRepository<SessionCommand, SessionEvent, SessionState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, sessionDecider, sessionStream, { cacheSize: 50_000 });
  }
}
