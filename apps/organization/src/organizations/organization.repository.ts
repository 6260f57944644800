import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore, SnapshotPolicy } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { OrganizationCommand, organizationDecider, organizationSnapshots, OrganizationState } from './organization.decider';
import { OrganizationEvent, organizationStream } from './organization.events';

/** organizations, each one stream under its own lock (commands are decided one at a time per organization) */
@Injectable()
export class OrganizationRepository extends AggregateRepository<OrganizationCommand, OrganizationEvent, OrganizationState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, organizationDecider, organizationStream, { cacheSize: 50_000, snapshots: organizationSnapshots as SnapshotPolicy<unknown> });
  }
}
