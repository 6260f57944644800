import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { AppCommand, appDecider, AppState } from './app.decider';
import { AppEvent, appStream } from './app.events';

@Injectable()
export class AppRepository extends AggregateRepository<AppCommand, AppEvent, AppState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, appDecider, appStream, { cacheSize: 10_000 });
  }
}
