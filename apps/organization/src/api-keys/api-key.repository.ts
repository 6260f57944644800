import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { ApiKeyCommand, apiKeyDecider, ApiKeyState } from './api-key.decider';
import { ApiKeyEvent, apiKeyStream } from './api-key.events';

/** a key's fold stays cached: checking a presented key reads nothing while the store is unchanged */
@Injectable()
export class ApiKeyRepository extends AggregateRepository<ApiKeyCommand, ApiKeyEvent, ApiKeyState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, apiKeyDecider, apiKeyStream, { cacheSize: 10_000 });
  }
}
