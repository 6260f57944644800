import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import {
  MembershipIndexCommand,
  membershipIndexDecider,
  MembershipIndexEvent,
  MembershipIndexState,
  membershipIndexStream,
} from './membership-index.decider';

/** the user's organizations in other regions, as those regions sent them */
@Injectable()
export class MembershipIndexRepository extends AggregateRepository<MembershipIndexCommand, MembershipIndexEvent, MembershipIndexState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, membershipIndexDecider, membershipIndexStream, { cacheSize: 20_000 });
  }
}
