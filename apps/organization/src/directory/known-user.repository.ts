import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { knownUserDecider, knownUserStream } from './known-user';

/** the users identity published, by email */
@Injectable()
export class KnownUserRepository extends EventSourcedRepository(knownUserDecider, knownUserStream, { cacheSize: 10_000 }) {}
