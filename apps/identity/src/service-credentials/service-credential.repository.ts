import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { serviceCredentialDecider, serviceCredentialsStream } from './service-credential.decider';

/** the registry's fold stays cached; a token request reads only what was appended since (usually nothing) */
@Injectable()
export class ServiceCredentialRepository extends EventSourcedRepository(serviceCredentialDecider, serviceCredentialsStream, { cacheSize: 1 }) {}
