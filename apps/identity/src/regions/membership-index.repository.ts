import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { membershipIndexDecider, membershipIndexStream } from './membership-index.decider';

/** the user's organizations in other regions, as those regions sent them */
@Injectable()
export class MembershipIndexRepository extends EventSourcedRepository(membershipIndexDecider, membershipIndexStream, { cacheSize: 20_000 }) {}
