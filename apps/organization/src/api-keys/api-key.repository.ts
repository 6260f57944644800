import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { apiKeyDecider } from './api-key.decider';
import { apiKeyStream } from './api-key.events';

/** a key's fold stays cached: checking a presented key reads nothing while the store is unchanged */
@Injectable()
export class ApiKeyRepository extends EventSourcedRepository(apiKeyDecider, apiKeyStream, { cacheSize: 10_000 }) {}
