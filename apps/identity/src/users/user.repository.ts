import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { userDecider, userStream } from './user.decider';

@Injectable()
export class UserRepository extends EventSourcedRepository(userDecider, userStream, { cacheSize: 50_000 }) {}
