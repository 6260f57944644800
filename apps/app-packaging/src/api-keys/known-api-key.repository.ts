import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { knownApiKeyDecider, knownApiKeyStream } from './known-api-key.decider';

/** the organization API keys app-packaging learned from organization.api-keys.v1 */
@Injectable()
export class KnownApiKeyRepository extends EventSourcedRepository(knownApiKeyDecider, knownApiKeyStream, { cacheSize: 10_000 }) {}
