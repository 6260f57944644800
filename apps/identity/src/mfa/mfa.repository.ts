import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { MfaCommand, mfaDecider, MfaEvent, MfaState, mfaStream } from './mfa.decider';

/** a user's second factor, one stream per user */
@Injectable()
export class MfaRepository extends AggregateRepository<MfaCommand, MfaEvent, MfaState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, mfaDecider, mfaStream, { cacheSize: 50_000 });
  }
}
