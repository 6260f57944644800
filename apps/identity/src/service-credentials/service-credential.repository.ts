import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import {
  ServiceCredentialCommand,
  serviceCredentialDecider,
  ServiceCredentialEvent,
  ServiceCredentialsState,
  serviceCredentialsStream,
} from './service-credential.decider';

/** the registry's fold stays cached; a token request reads only what was appended since (usually nothing) */
@Injectable()
export class ServiceCredentialRepository extends AggregateRepository<ServiceCredentialCommand, ServiceCredentialEvent, ServiceCredentialsState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, serviceCredentialDecider, serviceCredentialsStream, { cacheSize: 1 });
  }
}
