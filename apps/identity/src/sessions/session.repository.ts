import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { sessionDecider, sessionStream } from './session.decider';

@Injectable()
export class SessionRepository extends EventSourcedRepository(sessionDecider, sessionStream, { cacheSize: 50_000 }) {}
