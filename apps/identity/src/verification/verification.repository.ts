import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { VerificationCommand, verificationDecider, VerificationEvent, VerificationState, verificationStream } from './verification.decider';

/** proof of email ownership, one stream per user */
@Injectable()
export class VerificationRepository extends AggregateRepository<VerificationCommand, VerificationEvent, VerificationState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, verificationDecider, verificationStream, { cacheSize: 50_000 });
  }
}
