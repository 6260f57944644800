import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { appDecider } from './app.decider';
import { appStream } from './app.events';

@Injectable()
export class AppRepository extends EventSourcedRepository(appDecider, appStream, { cacheSize: 10_000 }) {}
