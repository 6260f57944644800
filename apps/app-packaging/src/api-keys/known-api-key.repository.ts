import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { KnownApiKeyCommand, knownApiKeyDecider, KnownApiKeyEvent, KnownApiKeyState, knownApiKeyStream } from './known-api-key.decider';

/** the organization API keys app-packaging learned from organization.api-keys.v1 */
@Injectable()
export class KnownApiKeyRepository extends AggregateRepository<KnownApiKeyCommand, KnownApiKeyEvent, KnownApiKeyState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, knownApiKeyDecider, knownApiKeyStream, { cacheSize: 10_000 });
  }
}
