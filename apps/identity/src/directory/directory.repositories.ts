import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import {
  InvitationsCommand,
  invitationsDecider,
  InvitationsEvent,
  InvitationsState,
  invitationsStream,
  KnownOrganizationCommand,
  knownOrganizationDecider,
  KnownOrganizationEvent,
  KnownOrganizationState,
  knownOrganizationStream,
} from './directory.decider';

/** the organizations organization published (name, region, status) */
@Injectable()
export class KnownOrganizationRepository extends AggregateRepository<KnownOrganizationCommand, KnownOrganizationEvent, KnownOrganizationState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, knownOrganizationDecider, knownOrganizationStream, { cacheSize: 20_000 });
  }
}

/** pending invitations, by email */
@Injectable()
export class InvitationsRepository extends AggregateRepository<InvitationsCommand, InvitationsEvent, InvitationsState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, invitationsDecider, invitationsStream, { cacheSize: 10_000 });
  }
}
