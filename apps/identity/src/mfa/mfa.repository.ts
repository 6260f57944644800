import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { mfaDecider, mfaStream } from './mfa.decider';

/** a user's second factor, one stream per user */
@Injectable()
export class MfaRepository extends EventSourcedRepository(mfaDecider, mfaStream, { cacheSize: 50_000 }) {}
